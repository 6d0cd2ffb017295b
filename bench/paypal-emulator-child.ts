/**
 * The PayPal emulator in its own process, holding `rows` generated Transaction Search rows spread over
 * `days` days ending yesterday (about 250 a day at full size, so every 31-day window stays under PayPal's
 * 10,000-row result set), so that generating the rows and rendering their JSON pages does not run on the
 * measured process's CPU or count in its RSS. Prints `{"url": …}` as its first line, then answers the parent
 * over IPC: `cpu` (its CPU time and API requests), `statuses` (API answers by HTTP status), `expected` (how
 * many ledger records the rows make: a balance-affecting row with a fee is two).
 * Usage: tsx bench/paypal-emulator-child.ts <rows> <days>
 */
import { startPayPalEmulator } from '../connectors/paypal/emulator.ts';
import { serveParent } from './children.ts';

const rows = Number(process.argv[2] ?? '1000');
const days = Number(process.argv[3] ?? '30');
const DAY = 86_400_000;
const now = Date.now();
const startedAt = performance.now();
const emulator = await startPayPalEmulator({
  count: rows,
  startTime: now - (days + 1) * DAY,
  spanMs: days * DAY,
});
const setupMs = performance.now() - startedAt;
const apiRequests = () => emulator.control.requests.filter((r) => r.path.startsWith('/v1/reporting/'));

function expectedRecords(): number {
  let records = 0;
  for (const row of emulator.control.ledger.query(0, Date.now(), false, Date.now())) {
    records += row.balanceAffecting && row.status !== 'D' && row.fee !== undefined && row.fee !== 0 ? 2 : 1;
  }
  return records;
}

serveParent({
  cpu: () => ({ ...process.cpuUsage(), requests: apiRequests().length }),
  statuses: () => {
    const counts: Record<string, number> = {};
    for (const r of apiRequests()) counts[String(r.status)] = (counts[String(r.status)] ?? 0) + 1;
    return counts;
  },
  expected: () => expectedRecords(),
});
console.log(
  JSON.stringify({
    url: emulator.url,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    setupMs,
    rows: emulator.control.ledger.size,
    historyFrom: new Date(now - (days + 2) * DAY).toISOString().slice(0, 10),
  }),
);
