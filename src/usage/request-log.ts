// The request log is written in batches off the hot path: requests only push a row into a
// bounded in-memory queue; a timer writes the queue in chunks of one statement each. Old
// rows are pruned on a slow timer (retention).
import { WriteBehind } from '../lib/write-behind.js';
import type { RequestLogEntry, Store } from '../store/types.js';

/**
 * Rows per insert. better-sqlite3 is synchronous: a second's worth of rows under load written
 * in one go would stall every request in flight, so chunks are small and the event loop runs
 * between them.
 */
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
  private readonly rows: WriteBehind<RequestLogEntry>;
  private readonly pruneTimer: NodeJS.Timeout;

  constructor(
    private readonly store: Pick<Store, 'insertRequestLogs' | 'pruneRequestLogs'>,
    private readonly opts: RequestLogOptions,
  ) {
    this.rows = new WriteBehind<RequestLogEntry>({
      flush: { every: opts.flushEveryMs ?? 1_000 },
      write: (batch) => store.insertRequestLogs(batch),
      chunkSize: ROWS_PER_WRITE,
      maxItems: opts.maxQueued ?? 50_000,
      // After a failure only the chunks not yet written are kept (the table has no key to make
      // a second insert of the same row harmless), e.g. while the database is briefly away.
      retry: true,
      onError: (err) => opts.onError(err, 'write request log'),
    });
    this.pruneTimer = setInterval(() => void this.prune(), opts.pruneEveryMs ?? 60 * 60 * 1000).unref();
  }

  /** Rows lost because the queue was full. */
  get dropped(): number {
    return this.rows.dropped;
  }

  push(entry: RequestLogEntry): void {
    this.rows.add(entry);
  }

  /** Writes everything queued so far (writes are serialised). */
  flush(): Promise<void> {
    return this.rows.flush();
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
    clearInterval(this.pruneTimer);
    await this.rows.stop();
  }
}
