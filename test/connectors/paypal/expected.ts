/**
 * What the ledger must hold for the PayPal emulator's rows, computed from the emulator's own integer amounts
 * (not by parsing its wire strings with our normalizer): one line per record, `id amount currency status`.
 */
import type { PayPalLedger } from '../../../connectors/paypal/emulator-data.ts';

const STATUS = { D: 'denied', P: 'pending', S: 'success', V: 'reversed', F: 'partially_refunded' } as const;

export function expectedLines(ledger: PayPalLedger, now: number): string[] {
  const lines: string[] = [];
  for (const row of ledger.query(0, now, false, now)) {
    const id = `paypal:transactions:${row.transactionId}:${row.eventCode}:${row.balanceAffecting ? 'B' : 'N'}`;
    const isMoney = row.balanceAffecting && row.status !== 'D';
    const money = isMoney ? ' money' : '';
    lines.push(`${id} ${row.amount} ${row.currency} ${STATUS[row.status]}${money}`);
    if (isMoney && row.fee !== undefined && row.fee !== 0) {
      lines.push(`${id}:fee ${row.fee} ${row.currency} ${STATUS[row.status]}${money}`);
    }
  }
  return lines.sort();
}

/** The same line format for stored records. */
export function storedLines(
  records: readonly {
    id: string;
    amount: number;
    currency: string | null;
    status: string;
    moneyMovement: boolean;
  }[],
): string[] {
  return records
    .map((r) => `${r.id} ${r.amount} ${r.currency} ${r.status}${r.moneyMovement ? ' money' : ''}`)
    .sort();
}
