/**
 * The Stripe emulator in its own process, so generating and serializing 100,000 objects does not run on
 * the measured process's CPU or count in its RSS. Prints `{"url": …}` as its first line, then answers
 * the parent over IPC: `addObjects`, `counts`, `cpu` (its CPU time, to show how busy it was), and
 * `expectedRecords`: the ledger records its balance transactions normalize to (one each, plus a fee record
 * for each with a fee), so a sync's progress in records can be placed against the whole.
 * Usage: tsx bench/stripe-emulator-child.ts [balanceTransactionCount] [seed]
 * The generated objects are dated from 2024-01-01 on (the emulator's default start), i.e. in the past.
 */
import { startStripeEmulator } from '../connectors/stripe/emulator.ts';
import { serveParent } from './children.ts';

const count = Number(process.argv[2] ?? '1000');
const seed = Number(process.argv[3] ?? '1');
const startedAt = performance.now();
const emulator = await startStripeEmulator({ count, seed });
const setupMs = performance.now() - startedAt;

serveParent({
  addObjects: (request) => {
    const n = Number(request.count);
    const created = typeof request.created === 'number' ? request.created : undefined;
    const ids = emulator.control.addObjects(n, created === undefined ? undefined : { created });
    return { added: ids.length, firstId: ids[0], lastId: ids.at(-1) };
  },
  counts: () => emulator.control.counts(),
  cpu: () => ({ ...process.cpuUsage(), requests: emulator.control.requestLog.length }),
  expectedRecords: () => {
    const data = emulator.control.data;
    const count = data.count('balance_transactions');
    let withFee = 0;
    for (let position = 0; position < count; position++)
      if (data.money(data.indexAt('balance_transactions', position)).fee !== 0) withFee++;
    return { balanceTransactions: count, withFee, records: count + withFee };
  },
  clearLog: () => {
    emulator.control.clearLog();
    return true;
  },
});
console.log(JSON.stringify({ url: emulator.url, setupMs, counts: emulator.control.counts() }));
