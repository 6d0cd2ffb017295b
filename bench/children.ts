/**
 * Child processes for the benchmarks: emulators (so their CPU and memory stay out of the measured
 * process) and sync workers (so each measured run starts in a clean process with its own RSS).
 * A child is a TypeScript file run through tsx; it talks to the parent over Node's IPC channel with
 * `{ seq, op, ... }` requests and `{ seq, result | error }` answers.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const benchFile = (name: string): string => fileURLToPath(new URL(name, import.meta.url));

/** Extra node flags for children, e.g. BENCH_CHILD_ARGS=--cpu-prof to profile the sync workers. */
function childExecArgv(profile: boolean): string[] {
  const extra = profile ? (process.env.BENCH_CHILD_ARGS ?? '').split(' ').filter(Boolean) : [];
  return ['--import', 'tsx', '--expose-gc', ...extra];
}

interface Answer {
  readonly seq: number;
  readonly result?: unknown;
  readonly error?: string;
}

export interface Child<Info> {
  readonly info: Info;
  readonly process: ChildProcess;
  call<T>(op: string, payload?: Record<string, unknown>, timeoutMs?: number): Promise<T>;
  stop(): Promise<void>;
}

/**
 * Starts `file` and waits (at most `startTimeoutMs`) for its first stdout line that is a JSON object
 * (e.g. `{"url":"http://127.0.0.1:1234"}`), which becomes `info`.
 */
export async function startChild<Info>(
  file: string,
  args: readonly string[] = [],
  options: { startTimeoutMs?: number; profile?: boolean } = {},
): Promise<Child<Info>> {
  const child = fork(benchFile(file), args, {
    execArgv: childExecArgv(options.profile ?? false),
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  child.on('message', (message: Answer) => {
    const waiter = pending.get(message.seq);
    if (!waiter) return;
    pending.delete(message.seq);
    if (message.error !== undefined) waiter.reject(new Error(message.error));
    else waiter.resolve(message.result);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  void exited.then((code) => {
    for (const waiter of pending.values())
      waiter.reject(new Error(`${file} exited (${code}) before answering`));
    pending.clear();
  });
  const lines = createInterface({ input: child.stdout! });
  const info = await new Promise<Info>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${file} did not report ready within ${options.startTimeoutMs ?? 60_000} ms`));
    }, options.startTimeoutMs ?? 60_000);
    // Lines before the info line (e.g. from node flags such as --trace-gc) are passed through.
    const onLine = (line: string) => {
      if (!line.startsWith('{')) return void console.log(line);
      try {
        const info = JSON.parse(line) as Info;
        clearTimeout(timer);
        lines.off('line', onLine);
        resolve(info);
      } catch {
        console.log(line);
      }
    };
    lines.on('line', onLine);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited (${code}) before reporting ready`));
    });
  });
  // Later lines (if any) are the child's own output: pass them through.
  lines.on('line', (line) => console.log(line));
  return {
    info,
    process: child,
    call<T>(op: string, payload: Record<string, unknown> = {}, timeoutMs = 600_000): Promise<T> {
      const id = ++seq;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${file}: ${op} did not answer within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, {
          resolve: (v) => {
            clearTimeout(timer);
            resolve(v as T);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        child.send({ seq: id, op, ...payload });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.disconnect();
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Inside a child: answers the parent's requests with `handlers[op]`, and exits when the parent goes away. */
export function serveParent(handlers: Record<string, (request: Record<string, unknown>) => unknown>): void {
  process.on('message', (message: { seq: number; op: string } & Record<string, unknown>) => {
    const handler = handlers[message.op];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown op ${message.op}`);
        return handler(message);
      })
      .then(
        (result) => process.send?.({ seq: message.seq, result }),
        (error: unknown) =>
          process.send?.({
            seq: message.seq,
            error: error instanceof Error ? (error.stack ?? error.message) : String(error),
          }),
      );
  });
  process.on('disconnect', () => process.exit(0));
}

/** One-shot worker: start `file`, run `op` with `payload`, stop it, return the result. */
export async function runInWorker<T>(
  file: string,
  op: string,
  payload: Record<string, unknown>,
  timeoutMs: number,
): Promise<T> {
  const worker = await startChild<{ ready: true }>(file, [], { profile: true });
  try {
    return await worker.call<T>(op, payload, timeoutMs);
  } finally {
    await worker.stop();
  }
}
