// WAL checkpoints off the event loop. A checkpoint copies what the WAL holds back into the
// database file and fsyncs both: under load that is 20-30 ms of blocking I/O. SQLite's own
// automatic checkpoint runs inside whichever commit takes the WAL past 1,000 pages, which for a
// serving gateway means on the event loop, with every request in flight waiting behind it
// (p99 at 64 connections 14-21 ms with it, 9-14 ms without). So the server's connection only
// keeps a far-off automatic checkpoint as a backstop, and a worker thread with its own
// connection runs PASSIVE checkpoints (they never wait for, or block, readers and writers).
// Should the worker fail, the connection goes back to SQLite's default.
//
// Every 100 ms, not once a second: the WAL only starts over from its first frame when a write
// begins right after a checkpoint that left nothing behind, and under load a checkpoint slow
// enough to span the next write never does. Short, frequent checkpoints land in the gaps
// between the server's write bursts: at ~13,000 req/s the WAL stayed under ~2,300 frames,
// where with one checkpoint a second it grew to the backstop every few seconds.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type BetterSqlite3 from 'better-sqlite3';

/** SQLite's default automatic checkpoint, in WAL pages. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;
/** While the worker checkpoints: only a WAL this large (~40 MB) is checkpointed in line. */
const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;
const CHECKPOINT_EVERY_MS = 100;
const WAL_SIZE_LIMIT_BYTES = 16 * 1024 * 1024;

export interface CheckpointResult {
  /** Frames in the WAL, and how many of them are now in the database file. */
  log: number;
  checkpointed: number;
  /** How long the checkpoint took (copy and fsyncs), in the worker. */
  ms: number;
}

export interface BackgroundCheckpointOptions {
  everyMs?: number;
  /** After each checkpoint that moved frames. */
  onCheckpoint?: (result: CheckpointResult) => void;
  onError?: (err: Error) => void;
  /** The SQLite driver the worker loads (a module path); better-sqlite3 by default. */
  driver?: string;
}

// Evaluated as a CommonJS script, so the same code runs from the TypeScript sources under test
// and from the compiled output, with no worker file to resolve next to either.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
let last = '';
const timer = setInterval(() => {
  const t0 = performance.now();
  const [r] = db.pragma('wal_checkpoint(PASSIVE)');
  const key = r.log + '/' + r.checkpointed;
  if (r.checkpointed > 0 && key !== last) parentPort.postMessage({ log: r.log, checkpointed: r.checkpointed, ms: performance.now() - t0 });
  last = key;
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export class BackgroundCheckpoints {
  private readonly worker: Worker;
  private failed = false;
  private closing = false;

  constructor(
    private readonly sqlite: BetterSqlite3.Database,
    file: string,
    private readonly opts: BackgroundCheckpointOptions = {},
  ) {
    sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    // A WAL that once reached the backstop is cut back when it next starts over.
    sqlite.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
    const driver = opts.driver ?? createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file, driver, everyMs: opts.everyMs ?? CHECKPOINT_EVERY_MS } });
    this.worker.unref(); // never what keeps the process alive
    this.worker.on('message', (result: CheckpointResult) => opts.onCheckpoint?.(result));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`checkpoint worker exited (code ${code})`)));
  }

  /** The worker is gone: checkpoints happen in line again, as SQLite does by default. */
  private fail(err: Error): void {
    if (this.failed || this.closing) return;
    this.failed = true;
    if (this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES}`);
    this.opts.onError?.(err);
  }

  /** True once the worker failed and checkpoints happen in line again. */
  get inLine(): boolean {
    return this.failed;
  }

  /** Stops the worker (its connection closed first), before the server's connection closes. */
  async close(): Promise<void> {
    if (this.closing || this.failed || this.worker.threadId === -1) return; // gone already
    this.closing = true;
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    this.worker.postMessage('close');
    // A worker stuck in a native call (an fsync on a hung disk) cannot be terminated either:
    // shutdown goes on without it after a second chance.
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        void this.worker.terminate();
        timer = setTimeout(resolve, 1_000);
      }, 5_000);
    });
    await Promise.race([exited, giveUp]);
    clearTimeout(timer);
  }
}
