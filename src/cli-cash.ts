/**
 * `npx finsync cash [period] [--json|--csv]`: the same report as Slack's. JSON keeps minor units exact as
 * strings of digits beside the decimal text; CSV has one row per system and currency, then one per balance,
 * every cell safe against formula injection (cli-export.ts).
 */
import { csvCell } from './cli-export.ts';
import { minorToDecimal } from './money.ts';
import type { CashReport } from './services/cash.ts';

/** The report as plain JSON data: minor units as digit strings (exact), and decimals in the currency's own. */
export function cashData(report: CashReport) {
  return {
    period: { label: report.label, from: report.from, to: report.to, timezone: report.timezone },
    generatedAt: report.generatedAt.toISOString(),
    systems: report.systems.map((s) => ({
      connection: s.connection,
      provider: s.provider,
      connected: s.connected,
      totals: s.totals.map((t) => ({
        currency: t.currency,
        moneyIn: t.moneyIn.toString(),
        moneyOut: t.moneyOut.toString(),
        net: t.net.toString(),
        movements: t.movements,
        decimal: {
          moneyIn: minorToDecimal(t.moneyIn, t.currency),
          moneyOut: minorToDecimal(t.moneyOut, t.currency),
          net: minorToDecimal(t.net, t.currency),
        },
      })),
      balances:
        s.balances.outcome === 'ok'
          ? s.balances.balances.map((b) => ({
              ...b,
              amount: String(b.amount),
              decimal: minorToDecimal(b.amount, b.currency),
            }))
          : s.balances.outcome === 'unavailable'
            ? { unavailable: s.balances.reason }
            : null,
    })),
  };
}

const COLUMNS = [
  'row',
  'connection',
  'provider',
  'currency',
  'money_in',
  'money_out',
  'net',
  'movements',
  'account',
  'balance_kind',
  'balance',
  'as_of',
  'from',
  'to',
  'timezone',
] as const;

export function cashCsv(report: CashReport): string {
  const rows: Partial<Record<(typeof COLUMNS)[number], unknown>>[] = [];
  const period = { from: report.from, to: report.to, timezone: report.timezone };
  for (const s of report.systems) {
    for (const t of s.totals)
      rows.push({
        row: 'movements',
        connection: s.connection,
        provider: s.provider,
        currency: t.currency,
        money_in: minorToDecimal(t.moneyIn, t.currency),
        money_out: minorToDecimal(t.moneyOut, t.currency),
        net: minorToDecimal(t.net, t.currency),
        movements: t.movements,
        ...period,
      });
    if (s.balances.outcome === 'ok')
      for (const b of s.balances.balances)
        rows.push({
          row: 'balance',
          connection: s.connection,
          provider: s.provider,
          currency: b.currency,
          account: b.account,
          balance_kind: b.kind,
          balance: minorToDecimal(b.amount, b.currency),
          as_of: b.asOf,
          ...period,
        });
    else if (s.balances.outcome === 'unavailable')
      rows.push({
        row: 'balance unavailable',
        connection: s.connection,
        provider: s.provider,
        account: s.balances.reason,
        ...period,
      });
  }
  const line = (row: (typeof rows)[number]) => COLUMNS.map((c) => csvCell(row[c], c)).join(',');
  return [COLUMNS.join(','), ...rows.map(line)].join('\r\n') + '\r\n';
}
