// Entry of the ledger writer thread. Plain CommonJS: on Node 20, ESM loader hooks (how tsx loads
// TypeScript in the main thread) do not reach worker threads, so the thread loads our TypeScript
// through tsx's in-thread CommonJS API instead.
const { workerData } = require('node:worker_threads');
const tsx = require('tsx/cjs/api');

tsx.require('./ledger-writer-thread.ts', __filename).runLedgerWriter(workerData.file);
