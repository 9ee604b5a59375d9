// Routing records: which API model (and token) each response created through the gateway
// belongs to, so GET/DELETE/cancel/input_items can be routed without `?model=`. Records are
// kept in a bounded in-memory cache and written to the store in small batches off the hot path.
import type { ResponseRoute, Store } from '../store/types.js';

export interface ResponseRoutesOptions {
  maxCached?: number;
  flushDelayMs?: number;
  onError: (err: unknown) => void;
}

export class ResponseRoutes {
  private cache = new Map<string, ResponseRoute>();
  private pending: ResponseRoute[] = [];
  private pendingMarks: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxCached: number;
  /** Lookups answered from memory vs. ones that went to the store; for /metrics. */
  readonly stats = { hits: 0, misses: 0 };
  private readonly flushDelayMs: number;

  constructor(
    private readonly store: Pick<Store, 'insertResponseRoutes' | 'getResponseRoute' | 'deleteResponseRoute' | 'claimResponseUsage' | 'markResponseUsage'>,
    private readonly opts: ResponseRoutesOptions,
  ) {
    this.maxCached = opts.maxCached ?? 100_000;
    this.flushDelayMs = opts.flushDelayMs ?? 5;
  }

  remember(route: ResponseRoute): void {
    this.cacheSet(route);
    this.pending.push(route);
    this.scheduleFlush();
  }

  async lookup(responseId: string): Promise<ResponseRoute | undefined> {
    const hit = this.cache.get(responseId);
    if (hit) {
      this.stats.hits++;
      return hit;
    }
    this.stats.misses++;
    const row = await this.store.getResponseRoute(responseId);
    if (row) this.cacheSet(row);
    return row;
  }

  /**
   * For the call that created a response and saw its usage: counts it unless this instance
   * already did, without waiting for the database (the mark is written with the next batch).
   */
  markUsage(responseId: string): boolean {
    const route = this.cache.get(responseId);
    if (!route) return true;
    if (route.usageCountedAt !== null) return false;
    route.usageCountedAt = Date.now();
    this.pendingMarks.push(responseId);
    this.scheduleFlush();
    return true;
  }

  /**
   * For polls of a background response: the first poll (on any instance) that sees its usage
   * counts it. Pending records are written first so the conditional update finds the row.
   */
  async claimUsage(responseId: string): Promise<boolean> {
    const cached = this.cache.get(responseId);
    if (cached && cached.usageCountedAt !== null) return false;
    await this.flush();
    const at = Date.now();
    const won = await this.store.claimResponseUsage(responseId, at);
    if (won && cached) cached.usageCountedAt = at;
    return won;
  }

  async forget(responseId: string): Promise<void> {
    this.cache.delete(responseId);
    this.pending = this.pending.filter((r) => r.responseId !== responseId);
    await this.store.deleteResponseRoute(responseId);
  }

  /** Writes pending records and usage marks; safe to call concurrently (writes are serialised). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    const marks = this.pendingMarks;
    this.pending = [];
    this.pendingMarks = [];
    if (batch.length === 0 && marks.length === 0) return this.flushing;
    this.flushing = this.flushing
      .then(async () => {
        await this.store.insertResponseRoutes(batch);
        // Records inserted in this batch already carry their mark; the update covers older ones.
        if (marks.length) await this.store.markResponseUsage(marks, Date.now());
      })
      .catch((err) => this.opts.onError(err));
    return this.flushing;
  }

  private scheduleFlush(): void {
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushDelayMs);
      this.timer.unref();
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
