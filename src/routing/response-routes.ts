// Routing records: which API model (and token) each response created through the gateway
// belongs to, so GET/DELETE/cancel/input_items can be routed without `?model=`. New records are
// written to the store in batches off the hot path and stay in memory only until their batch is
// written; records read back from the store (a poll loop asks for the same id again and again)
// are kept in a bounded cache.
//
// Batches: a record is written `flushDelayMs` after it arrives, but batches start at most every
// `minFlushIntervalMs`, so under load one insert carries hundreds of rows (a row then costs
// about a third less CPU than in batches of tens) while a lone record still lands within a few
// milliseconds.
//
// Why not cache every new record: at thousands of responses a second, a large cache of fresh
// records is pure garbage-collector work (each record outlives the young generation, then
// dies in the old one), and most records are never looked up again.
import type { ResponseRoute, Store } from '../store/types.js';

const MAX_ROWS_PER_INSERT = 1000;

export interface ResponseRoutesOptions {
  /** Records read from the store kept in memory (oldest dropped first). */
  maxCached?: number;
  flushDelayMs?: number;
  minFlushIntervalMs?: number;
  onError: (err: unknown) => void;
}

export class ResponseRoutes {
  /** Remembered but not yet written (queued or being written), by response id. */
  private unwritten = new Map<string, ResponseRoute>();
  private queued: ResponseRoute[] = [];
  private cache = new Map<string, ResponseRoute>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxCached: number;
  private readonly flushDelayMs: number;
  private readonly minFlushIntervalMs: number;
  private lastFlushAt = -Infinity;

  constructor(
    private readonly store: Pick<Store, 'insertResponseRoutes' | 'getResponseRoute' | 'deleteResponseRoute'>,
    private readonly opts: ResponseRoutesOptions,
  ) {
    this.maxCached = opts.maxCached ?? 10_000;
    this.flushDelayMs = opts.flushDelayMs ?? 5;
    this.minFlushIntervalMs = opts.minFlushIntervalMs ?? 25;
  }

  remember(route: ResponseRoute): void {
    this.unwritten.set(route.responseId, route);
    this.queued.push(route);
    if (!this.timer) {
      const wait = Math.max(this.flushDelayMs, this.lastFlushAt + this.minFlushIntervalMs - performance.now());
      this.timer = setTimeout(() => void this.flush(), wait);
      this.timer.unref();
    }
  }

  async lookup(responseId: string): Promise<ResponseRoute | undefined> {
    const hit = this.unwritten.get(responseId) ?? this.cache.get(responseId);
    if (hit) return hit;
    const row = await this.store.getResponseRoute(responseId);
    if (row) this.cacheSet(row);
    return row;
  }

  async forget(responseId: string): Promise<void> {
    this.unwritten.delete(responseId);
    this.cache.delete(responseId);
    this.queued = this.queued.filter((r) => r.responseId !== responseId);
    await this.store.deleteResponseRoute(responseId);
  }

  /** Writes queued records; safe to call concurrently (writes are serialised). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return this.flushing;
    this.lastFlushAt = performance.now();
    this.flushing = this.flushing
      .then(async () => {
        // Bounded statements (SQL parameter limits), one after another.
        for (let i = 0; i < batch.length; i += MAX_ROWS_PER_INSERT) {
          await this.store.insertResponseRoutes(batch.slice(i, i + MAX_ROWS_PER_INSERT));
        }
      })
      .then(
        () => this.written(batch, false),
        (err) => {
          this.opts.onError(err);
          // Not in the store: keep routing them from memory, within the cache's bound.
          this.written(batch, true);
        },
      );
    return this.flushing;
  }

  private written(batch: readonly ResponseRoute[], keep: boolean): void {
    for (const route of batch) {
      // A record remembered again meanwhile (same id) stays until its own batch is written.
      if (this.unwritten.get(route.responseId) !== route) continue;
      this.unwritten.delete(route.responseId);
      if (keep) this.cacheSet(route);
    }
  }

  private cacheSet(route: ResponseRoute): void {
    this.cache.delete(route.responseId);
    this.cache.set(route.responseId, route);
    if (this.cache.size > this.maxCached) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
