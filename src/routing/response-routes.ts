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
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private readonly maxCached: number;
  /** Lookups answered from memory vs. ones that went to the store; for /metrics. */
  readonly stats = { hits: 0, misses: 0 };
  private readonly flushDelayMs: number;

  constructor(
    private readonly store: Pick<Store, 'insertResponseRoutes' | 'getResponseRoute' | 'deleteResponseRoute' | 'claimResponseUsage'>,
    private readonly opts: ResponseRoutesOptions,
  ) {
    this.maxCached = opts.maxCached ?? 100_000;
    this.flushDelayMs = opts.flushDelayMs ?? 5;
  }

  remember(route: ResponseRoute): void {
    this.cacheSet(route);
    this.pending.push(route);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushDelayMs);
      this.timer.unref();
    }
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
   * Counts a response's usage once: true for the first caller, across instances. Pending
   * records are written first so the claim finds the row.
   */
  async claimUsage(responseId: string): Promise<boolean> {
    await this.flush();
    return this.store.claimResponseUsage(responseId, Date.now());
  }

  async forget(responseId: string): Promise<void> {
    this.cache.delete(responseId);
    this.pending = this.pending.filter((r) => r.responseId !== responseId);
    await this.store.deleteResponseRoute(responseId);
  }

  /** Writes pending records; safe to call concurrently (writes are serialised). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return this.flushing;
    this.flushing = this.flushing.then(() => this.store.insertResponseRoutes(batch)).catch((err) => this.opts.onError(err));
    return this.flushing;
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
