/**
 * The QuickBooks Online emulator in its own process, holding one company (realm) with the given numbers of
 * invoices, customers and payments, so that generating the company and rendering its JSON pages does not
 * run on the measured process's CPU or count in its RSS. Intuit's limits stay on (10 requests in flight,
 * 500 per minute per company). Prints `{"url": …}` as its first line, then answers the parent over IPC:
 * `issueTokens` (a token pair as if the person had just consented), `cpu` (its CPU time and API requests),
 * `statuses` (API answers by HTTP status), `invoices` (how many invoices the company holds).
 * Usage: tsx bench/quickbooks-emulator-child.ts <invoices> <customers> <payments>
 */
import { startQuickBooksEmulator } from '../connectors/quickbooks/emulator.ts';
import { serveParent } from './children.ts';

const BENCH_REALM_ID = '9341453172815001';
const BENCH_COMPANY_NAME = 'Bench Books Inc.';

const invoices = Number(process.argv[2] ?? '1000');
const customers = Number(process.argv[3] ?? '100');
const payments = Number(process.argv[4] ?? '100');
const startedAt = performance.now();
const emulator = await startQuickBooksEmulator({
  realms: [
    {
      realmId: BENCH_REALM_ID,
      companyName: BENCH_COMPANY_NAME,
      homeCurrency: 'USD',
      invoices,
      customers,
      payments,
    },
  ],
});
const setupMs = performance.now() - startedAt;
const apiRequests = () => emulator.control.requestLog.filter((r) => r.kind === 'api');

serveParent({
  issueTokens: () => emulator.control.issueTokens(BENCH_REALM_ID),
  cpu: () => ({ ...process.cpuUsage(), requests: apiRequests().length }),
  statuses: () => {
    const counts: Record<string, number> = {};
    for (const r of apiRequests()) counts[String(r.status)] = (counts[String(r.status)] ?? 0) + 1;
    return counts;
  },
  invoices: () => emulator.control.realm(BENCH_REALM_ID).list('Invoice').length,
});
console.log(
  JSON.stringify({
    url: emulator.url,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    realmId: BENCH_REALM_ID,
    setupMs,
    counts: {
      invoices: emulator.control.realm(BENCH_REALM_ID).list('Invoice').length,
      customers: emulator.control.realm(BENCH_REALM_ID).list('Customer').length,
      payments: emulator.control.realm(BENCH_REALM_ID).list('Payment').length,
    },
  }),
);
