/**
 * The Sage Accounting emulator in its own process, holding one business with the given number of contact
 * payments, so that generating them and rendering their JSON pages does not run on the measured process's CPU
 * or count in its RSS. Prints `{"url": …}` as its first line, then answers the parent over IPC: `issueTokens`
 * (a token pair as if the person had just consented), `cpu` (its CPU time and API requests), `statuses` (API
 * answers by HTTP status).
 * Usage: tsx bench/sage-emulator-child.ts <payments>
 */
import { startSageEmulator } from '../connectors/sage/emulator.ts';
import { serveParent } from './children.ts';

const BENCH_BUSINESS_ID = 'b3c4d5e6f7a8091a2b3c4d5e6f7a8091';
const payments = Number(process.argv[2] ?? '1000');
const startedAt = performance.now();
const emulator = await startSageEmulator({
  businesses: [{ id: BENCH_BUSINESS_ID, name: 'Bench Books Ltd', baseCurrency: 'GBP', payments }],
  users: { 'bench-user': [BENCH_BUSINESS_ID] },
  consentUser: 'bench-user',
});
const setupMs = performance.now() - startedAt;
const apiRequests = () => emulator.control.requests.filter((r) => r.kind === 'api');

serveParent({
  issueTokens: () => emulator.control.issueTokens('bench-user'),
  cpu: () => ({ ...process.cpuUsage(), requests: apiRequests().length }),
  statuses: () => {
    const counts: Record<string, number> = {};
    for (const r of apiRequests()) counts[String(r.status)] = (counts[String(r.status)] ?? 0) + 1;
    return counts;
  },
  // The request log is bounded; the bench clears it between runs.
  clear: () => {
    emulator.control.clearRequests();
    return null;
  },
});
console.log(
  JSON.stringify({
    url: emulator.url,
    apiBase: emulator.apiBase,
    clientId: emulator.clientId,
    clientSecret: emulator.clientSecret,
    businessId: BENCH_BUSINESS_ID,
    setupMs,
    payments: emulator.control.business(BENCH_BUSINESS_ID).objects('contact_payments').length,
  }),
);
