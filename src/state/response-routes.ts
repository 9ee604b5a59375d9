// Routing records: which API model (and token) each response created through the gateway
// belongs to, so GET/DELETE/cancel/input_items can be routed without `?model=` and only its
// owner (or an admin) can reach it. A record is committed before the client can have the id
// it is about: the forwarder holds the bytes that complete the id until `remember` settles.
// The records of one event-loop turn share a commit (SQLite: one synchronous transaction;
// PostgreSQL: one round trip). Either way a crash right after the client got its id cannot
// leave the response without an owner.
//
// When the store cannot take a record (database down), it is kept in memory, routed from
// there, and written when the store is back. Usage marks (the create call counted this
// response's usage) are written in batches off the hot path. Records read back from the store
// (a poll loop asks for the same id again and again) are kept in a bounded cache.
//
// With a shared store (several instances on PostgreSQL) another instance only learns of a
// record kept in memory during an outage once it is written, so on a miss it looks again a
// few times within `missRetryMs`: only lookups of unknown ids pay.
import { setImmediate as nextTurn } from 'node:timers/promises';
import { GatewayError } from '../errors/catalogue.js';
import type { ResponseRoute, Store } from '../store/types.js';

/** Rows per insert statement when writing records kept through an outage. */
const ROWS_PER_INSERT = 200;

export interface ResponseRoutesOptions {
  /** Records read from the store kept in memory (oldest dropped first). */
  maxCached?: number;
  flushDelayMs?: number;
  minFlushIntervalMs?: number;
  /** Shared stores: keep looking for a missing record this long (0 = one lookup). */
  missRetryMs?: number;
  /** Records older than this are treated as absent (they are pruned from the store too); 0 = never. */
  maxAgeMs?: number;
  /** Records waiting for the store while it is unreachable; the oldest are dropped beyond this. */
  maxPending?: number;
  /**
   * How long a response's first bytes wait for its record; past it (a database that stopped
   * answering), the record is kept in memory and written later, and the bytes go on.
   */
  commitWaitMs?: number;
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

type RouteStore = Pick<Store, 'insertResponseRoutes' | 'getResponseRoute' | 'claimResponseUsage' | 'markResponseUsage'>;

const storeUnavailable = () =>
  new GatewayError(503, 'service_unavailable', 'The gateway cannot reach its database to route this response; retry shortly.', null, 'database_unavailable');

class CommitTimeout extends Error {
  constructor(ms: number) {
    super(`the database did not commit routing records within ${ms} ms`);
  }
}

function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new CommitTimeout(ms)), ms)));
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class ResponseRoutes {
  /** Remembered but not yet written (queued or being written), by response id. */
  private unwritten = new Map<string, ResponseRoute>();
  /** Records remembered in this turn of the event loop, and the promise of their commit. */
  private turn: ResponseRoute[] = [];
  private turnCommitted: Promise<void> | undefined;
  private queued: ResponseRoute[] = [];
  /** Ids in `queued`: their insert has not been built yet, so it will carry a usage mark. */
  private queuedIds = new Set<string>();
  /** Responses whose usage this instance counted after their record was written. */
  private queuedMarks: string[] = [];
  private cache = new Map<string, ResponseRoute>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  /** Set while writes fail: only the first failure of an outage is reported. */
  private failing = false;
  private lastFlushAt = -Infinity;
  private readonly maxCached: number;
  private readonly maxPending: number;
  private readonly commitWaitMs: number;
  private readonly flushDelayMs: number;
  private readonly minFlushIntervalMs: number;
  readonly stats: ResponseRoutesStats = { hits: 0, misses: 0, lateHits: 0, maxLateMs: 0 };

  constructor(
    private readonly store: RouteStore,
    private readonly opts: ResponseRoutesOptions,
  ) {
    this.maxCached = opts.maxCached ?? 10_000;
    this.maxPending = opts.maxPending ?? 10_000;
    this.commitWaitMs = opts.commitWaitMs ?? 2_000;
    this.flushDelayMs = opts.flushDelayMs ?? 5;
    this.minFlushIntervalMs = opts.minFlushIntervalMs ?? 25;
  }

  /**
   * Stores a new record. The returned promise settles once it is committed (or, if the store
   * refused it, kept in memory for a later write); it never rejects. The caller holds the
   * response's id back from the client until then. Records remembered in the same turn of the
   * event loop are committed together, so a busy gateway pays one commit per turn, not one per
   * response, for at most one turn of delay.
   */
  remember(route: ResponseRoute): Promise<void> {
    this.unwritten.set(route.responseId, route);
    this.turn.push(route);
    this.turnCommitted ??= new Promise<void>((resolve) => setImmediate(() => void this.commitTurn().then(resolve, resolve)));
    return this.turnCommitted;
  }

  private async commitTurn(): Promise<void> {
    const batch = this.turn;
    this.turn = [];
    this.turnCommitted = undefined;
    try {
      await withDeadline(this.insertAll(batch), this.commitWaitMs);
      this.failing = false;
      this.written(batch);
    } catch (err) {
      // Kept in memory and inserted again later; a row that did land meanwhile is skipped then.
      for (const route of batch) this.keep(route, err);
    }
  }

  private async insertAll(batch: readonly ResponseRoute[]): Promise<void> {
    for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) await this.store.insertResponseRoutes(batch.slice(i, i + ROWS_PER_INSERT));
  }

  /** A record the store refused: routed from memory, written with the next batch. */
  private keep(route: ResponseRoute, err: unknown): void {
    this.queued.push(route);
    this.queuedIds.add(route.responseId);
    while (this.queued.length > this.maxPending) this.dropOldest();
    if (!this.failing) this.opts.onError(err);
    this.failing = true;
    this.schedule(this.opts.retryFlushMs ?? 1_000);
  }

  /** A record given up on (the store failed for too long): memory no longer holds it either. */
  private dropOldest(): void {
    const oldest = this.queued.shift()!;
    this.queuedIds.delete(oldest.responseId);
    if (this.unwritten.get(oldest.responseId) === oldest) this.unwritten.delete(oldest.responseId);
  }

  async lookup(responseId: string, now = Date.now()): Promise<ResponseRoute | undefined> {
    const hit = this.unwritten.get(responseId) ?? this.cache.get(responseId);
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
    const route = this.unwritten.get(responseId) ?? this.cache.get(responseId);
    if (route) {
      if (route.usageCountedAt !== null) return false;
      route.usageCountedAt = Date.now();
      // Still queued: its insert carries the mark.
      if (this.queuedIds.has(responseId)) return true;
    }
    this.queuedMarks.push(responseId);
    // Under load one statement carries the marks of many responses.
    this.schedule(Math.max(this.flushDelayMs, this.lastFlushAt + this.minFlushIntervalMs - performance.now()));
    return true;
  }

  /**
   * For polls of a background response: the first poll (on any instance) that sees its usage
   * counts it. Pending records are written first so the conditional update finds the row.
   */
  async claimUsage(responseId: string): Promise<boolean> {
    const known = this.unwritten.get(responseId) ?? this.cache.get(responseId);
    if (known && known.usageCountedAt !== null) return false;
    await this.turnCommitted;
    await this.flush();
    const at = Date.now();
    const won = await this.store.claimResponseUsage(responseId, at);
    // Won here or counted elsewhere (another instance): either way, later polls need not ask.
    if (known) known.usageCountedAt = at;
    return won;
  }

  /** Writes queued records and usage marks; safe to call concurrently (writes are serialised). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queued;
    const marks = this.queuedMarks;
    this.queued = [];
    this.queuedIds = new Set();
    this.queuedMarks = [];
    if (batch.length === 0 && marks.length === 0) return this.flushing;
    this.lastFlushAt = performance.now();
    this.flushing = this.flushing
      .then(async () => {
        // Bounded statements (SQL parameter limits), one after another, with the event loop
        // running in between: with SQLite each is synchronous work (see ROWS_PER_INSERT).
        for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) {
          if (i > 0) await nextTurn();
          await this.store.insertResponseRoutes(batch.slice(i, i + ROWS_PER_INSERT));
        }
        if (marks.length) await this.store.markResponseUsage(marks, Date.now());
      })
      .then(
        () => {
          this.failing = false;
          this.written(batch);
        },
        (err: unknown) => {
          // Keep them for the next attempt (and keep routing them from memory meanwhile): the
          // database may be back in a moment, and other instances can only route these
          // responses once they are stored.
          const max = this.maxPending;
          this.queued = batch.concat(this.queued);
          this.queuedIds = new Set(this.queued.map((r) => r.responseId));
          while (this.queued.length > max) this.dropOldest();
          this.queuedMarks = marks.concat(this.queuedMarks).slice(-max);
          this.schedule(this.opts.retryFlushMs ?? 1_000);
          if (!this.failing) this.opts.onError(err);
          this.failing = true;
        },
      );
    return this.flushing;
  }

  private written(batch: readonly ResponseRoute[]): void {
    for (const route of batch) {
      // A record remembered again meanwhile (same id) stays until its own batch is written.
      if (this.unwritten.get(route.responseId) === route) this.unwritten.delete(route.responseId);
    }
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
