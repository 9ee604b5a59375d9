// Routing records: which API model (and token) each response created through the gateway
// belongs to, so GET/DELETE/cancel/input_items can be routed without `?model=`. Records are
// kept in a bounded in-memory cache and written to the store in small batches off the hot path.
//
// With a shared store (several instances on PostgreSQL) a client may create a response through
// instance A and poll it through B a millisecond after A answered, before A's batch committed
// (A writes ~5 ms after it saw the id, plus one insert round trip). So on a miss B looks again
// a few times within `missRetryMs`: only lookups of unknown ids pay, and creates stay as fast
// as with SQLite. Holding A's response until the record commits would not be enough anyway: a
// streaming client can cancel through B as soon as it has seen `response.created`.
import { GatewayError } from '../errors.js';
import type { ResponseRoute, Store } from '../store/types.js';

export interface ResponseRoutesOptions {
  maxCached?: number;
  flushDelayMs?: number;
  /** Shared stores: keep looking for a missing record this long (0 = one lookup). */
  missRetryMs?: number;
  /** Records older than this are treated as absent (they are pruned from the store too); 0 = never. */
  maxAgeMs?: number;
  /** Records waiting for the store while it is unreachable; the oldest are dropped beyond this. */
  maxPending?: number;
  /** Pause before writing a batch again after the store failed. */
  retryFlushMs?: number;
  /** The first failed write of a run of failures (they are retried). */
  onError: (err: unknown) => void;
}

export interface ResponseRoutesStats {
  /** Lookups answered from memory vs. ones that went to the store; for /metrics. */
  hits: number;
  misses: number;
  /** For tests and diagnostics: how often a record showed up only after looking again. */
  lateHits: number;
  maxLateMs: number;
}

const storeUnavailable = () =>
  new GatewayError(503, 'service_unavailable', 'The gateway cannot reach its database to route this response; retry shortly.', null, 'database_unavailable');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ResponseRoutes {
  private cache = new Map<string, ResponseRoute>();
  private pending: ResponseRoute[] = [];
  private pendingMarks: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Set while writes fail: only the first failure of an outage is reported. */
  private failing = false;
  private readonly maxCached: number;
  private readonly flushDelayMs: number;
  readonly stats: ResponseRoutesStats = { hits: 0, misses: 0, lateHits: 0, maxLateMs: 0 };

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
    this.schedule(this.flushDelayMs);
  }

  async lookup(responseId: string, now = Date.now()): Promise<ResponseRoute | undefined> {
    const hit = this.cache.get(responseId);
    if (hit) {
      if (!this.expired(hit, now)) {
        this.stats.hits++;
        return hit;
      }
      this.cache.delete(responseId);
      return undefined;
    }
    this.stats.misses++;
    const row = await this.fromStore(responseId);
    if (!row || this.expired(row, now)) return undefined;
    this.cacheSet(row);
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
    this.schedule(this.flushDelayMs);
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
      .then(
        () => {
          this.failing = false;
        },
        (err: unknown) => {
          // Keep them for the next attempt: the database may be back in a moment, and other
          // instances can only route these responses once they are stored.
          this.pending = batch.concat(this.pending).slice(-(this.opts.maxPending ?? 10_000));
          this.pendingMarks = marks.concat(this.pendingMarks).slice(-(this.opts.maxPending ?? 10_000));
          this.schedule(this.opts.retryFlushMs ?? 1_000);
          if (!this.failing) this.opts.onError(err);
          this.failing = true;
        },
      );
    return this.flushing;
  }
  private schedule(delayMs: number): void {
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), delayMs);
    this.timer.unref();
  }

  private async fromStore(responseId: string): Promise<ResponseRoute | undefined> {
    const started = Date.now();
    const budget = this.opts.missRetryMs ?? 0;
    for (let attempt = 0; ; attempt++) {
      let row: ResponseRoute | undefined;
      try {
        row = await this.store.getResponseRoute(responseId);
      } catch {
        throw storeUnavailable();
      }
      const waited = Date.now() - started;
      if (row) {
        if (attempt > 0) {
          this.stats.lateHits++;
          this.stats.maxLateMs = Math.max(this.stats.maxLateMs, waited);
        }
        return row;
      }
      if (waited >= budget) return undefined;
      // 5, 10, 20, 40 ... ms: a record that is on its way usually lands within the first two.
      await sleep(Math.min(5 * 2 ** attempt, budget - waited));
    }
  }

  private expired(route: ResponseRoute, now: number): boolean {
    const maxAge = this.opts.maxAgeMs ?? 0;
    return maxAge > 0 && route.createdAt < now - maxAge;
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
