/**
 * The Power BI emulator (Microsoft identity token endpoint and push datasets, enforcing Microsoft's push
 * limits) in its own process, so that parsing, checking and holding the pushed rows does not run on the
 * measured process's CPU or count in its RSS. It has `groups` empty workspaces, so every measured publish
 * gets a fresh one (and a fresh dataset). Prints `{"url": …}` as its first line, then answers over IPC:
 * - `advance` (simulated clock only): moves the emulator's clock `ms` forward. The clock is the real one
 *   plus every advance, so time that passes for real (processing) still counts; only waits are skipped.
 * - `summary`: every POST rows request (clock time, rows, status, dataset), other answers by status,
 *   the rows each dataset holds and the most POSTs that were ever pending at once.
 * - `cpu`: its CPU time, to tell an emulator-bound run.
 * Usage: tsx bench/powerbi-emulator-child.ts <real|simulated> <groups>
 */
import { EMULATOR_GROUP, startPowerBiEmulator } from '../connectors/powerbi/emulator.ts';
import { serveParent } from './children.ts';

const mode = process.argv[2] === 'simulated' ? 'simulated' : 'real';
const groupCount = Math.max(1, Number(process.argv[3] ?? '1'));
const groups = Array.from({ length: groupCount }, (_, i) => ({
  id: `${EMULATOR_GROUP.id.slice(0, 24)}${String(i + 1).padStart(12, '0')}`,
  name: `Bench workspace ${i + 1}`,
}));
let offset = 0;
const emulator = await startPowerBiEmulator({
  groups,
  ...(mode === 'simulated' ? { now: () => Date.now() + offset } : {}),
});
const ROWS_PATH = /\/datasets\/([^/]+)\/tables\/[^/]+\/rows$/;

serveParent({
  advance: (request) => {
    if (mode !== 'simulated') throw new Error('the clock of a real-time emulator cannot be moved');
    const ms = Number(request.ms);
    if (!Number.isFinite(ms) || ms < 0) throw new Error(`cannot advance the clock by ${String(request.ms)}`);
    offset += ms;
    return { offset };
  },
  summary: () => {
    const posts: { at: number; rows: number; status: number | string; dataset: string }[] = [];
    const others: Record<string, number> = {};
    for (const entry of emulator.control.requestLog) {
      const dataset = entry.method === 'POST' ? ROWS_PATH.exec(entry.path)?.[1] : undefined;
      if (dataset !== undefined) {
        posts.push({ at: entry.at, rows: entry.rows ?? 0, status: entry.status, dataset });
      } else {
        const key = `${entry.method} ${entry.status}`;
        others[key] = (others[key] ?? 0) + 1;
      }
    }
    const datasets = emulator.control.datasets().map((d) => ({
      id: d.id,
      records: emulator.control.rows('records', d.id).length,
    }));
    return { posts, others, datasets, peakPending: emulator.control.peakPending() };
  },
  cpu: () => ({ ...process.cpuUsage(), rss: process.memoryUsage().rss }),
});
console.log(
  JSON.stringify({
    url: emulator.url,
    tokenUrl: emulator.tokenUrl,
    tenantId: emulator.control.tenantId,
    clientId: emulator.control.clientId,
    clientSecret: emulator.control.clientSecret,
    groupIds: groups.map((g) => g.id),
    mode,
  }),
);
