// The request log is written in batches off the hot path: requests only push a row into a
// bounded in-memory queue; a timer writes the queue, 200 rows per statement. Old rows
// are pruned on a slow timer (retention).
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { RequestLogEntry, Store } from '../store/types.js';

/** Rows per insert: about 0.7 ms of synchronous work with SQLite. */
const ROWS_PER_WRITE = 200;

export interface RequestLogOptions {
  flushEveryMs?: number;
  /** Rows kept in memory when the store is slow or unreachable; beyond this, rows are dropped (and counted). */
  maxQueued?: number;
  retentionDays: number;
  pruneEveryMs?: number;
  onError: (err: unknown, what: string) => void;
}

export class RequestLogWriter {
  private queue: RequestLogEntry[] = [];
  private writing: Promise<void> = Promise.resolve();
  private readonly flushTimer: NodeJS.Timeout;
  private readonly pruneTimer: NodeJS.Timeout;
  private readonly maxQueued: number;
  /** Rows lost because the queue was full. */
  dropped = 0;

  constructor(
    private readonly store: Pick<Store, 'insertRequestLogs' | 'pruneRequestLogs'>,
    private readonly opts: RequestLogOptions,
  ) {
    this.maxQueued = opts.maxQueued ?? 50_000;
    this.flushTimer = setInterval(() => void this.flush(), opts.flushEveryMs ?? 1_000).unref();
    this.pruneTimer = setInterval(() => void this.prune(), opts.pruneEveryMs ?? 60 * 60 * 1000).unref();
  }

  push(entry: RequestLogEntry): void {
    if (this.queue.length >= this.maxQueued) {
      this.dropped++;
      return;
    }
    this.queue.push(entry);
  }

  /** Writes everything queued so far (writes are serialised). */
  flush(): Promise<void> {
    if (this.queue.length === 0) return this.writing;
    const batch = this.queue;
    this.queue = [];
    this.writing = this.writing.then(() => this.write(batch));
    return this.writing;
  }

  /**
   * Writes in chunks of ROWS_PER_WRITE (one statement, and with SQLite one transaction, each),
   * letting the event loop run between them: better-sqlite3 is synchronous, and a second's
   * worth of rows under load (10,000+ at ~3.5 us each) written in one go stalled every request
   * in flight for ~40 ms. After a failure only the chunks not yet written are kept for the
   * next attempt, so a retry never stores a row twice.
   */
  private async write(batch: readonly RequestLogEntry[]): Promise<void> {
    for (let i = 0; i < batch.length; i += ROWS_PER_WRITE) {
      if (i > 0) await nextTurn();
      try {
        await this.store.insertRequestLogs(batch.slice(i, i + ROWS_PER_WRITE));
      } catch (err) {
        // Keep the rows for the next attempt (bounded), e.g. while the database is briefly away.
        const unwritten = batch.slice(i);
        const room = this.maxQueued - this.queue.length;
        if (room > 0) this.queue.unshift(...unwritten.slice(0, room));
        this.dropped += Math.max(0, unwritten.length - room);
        this.opts.onError(err, 'write request log');
        return;
      }
    }
  }

  async prune(now = Date.now()): Promise<number> {
    try {
      return await this.store.pruneRequestLogs(now - this.opts.retentionDays * 24 * 60 * 60 * 1000);
    } catch (err) {
      this.opts.onError(err, 'prune request log');
      return 0;
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.pruneTimer);
    await this.flush();
  }
}
