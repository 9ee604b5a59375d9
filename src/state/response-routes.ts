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
import { GatewayError } from '../errors/catalogue.js';
import { WriteBehind } from '../lib/write-behind.js';
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
  new GatewayError('database_unavailable', 'The gateway cannot reach its database to route this response; retry shortly.');

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
  /** Remembered but not yet written (waiting for a commit or a retry, or being written), by response id. */
  private unwritten = new Map<string, ResponseRoute>();
  /** Records remembered in this turn of the event loop, committed together in the next. */
  private readonly turn: WriteBehind<ResponseRoute>;
  /** Records the store refused or did not commit in time, written again later. */
  private readonly kept: WriteBehind<ResponseRoute, string>;
  /** Responses whose usage this instance counted after their record was written. */
  private readonly marks: WriteBehind<string>;
  private cache = new Map<string, ResponseRoute>();
  /** Set while writes fail: only the first failure of an outage is reported. */
  private failing = false;
  private readonly maxCached: number;
  readonly stats: ResponseRoutesStats = { hits: 0, misses: 0, lateHits: 0, maxLateMs: 0 };

  constructor(
    private readonly store: RouteStore,
    private readonly opts: ResponseRoutesOptions,
  ) {
    this.maxCached = opts.maxCached ?? 10_000;
    const maxPending = opts.maxPending ?? 10_000;
    const commitWaitMs = opts.commitWaitMs ?? 2_000;
    const retryAfterMs = opts.retryFlushMs ?? 1_000;
    const written = () => (this.failing = false);
    this.turn = new WriteBehind<ResponseRoute>({
      flush: 'next-turn',
      // A turn's commit never waits for an earlier one: each response waits at most commitWaitMs.
      concurrent: true,
      write: (batch) => withDeadline(this.insertAll(batch), commitWaitMs),
      onWritten: (batch) => (written(), this.written(batch)),
      // Kept in memory and inserted again later; a row that did land meanwhile is skipped then.
      onError: (err, batch) => {
        for (const route of batch) this.kept.add(route);
        this.failed(err);
      },
    });
    this.kept = new WriteBehind<ResponseRoute, string>({
      key: (route) => route.responseId,
      flush: { after: retryAfterMs },
      // Bounded statements (SQL parameter limits), with the event loop running in between:
      // with SQLite each is synchronous work.
      write: (batch) => this.store.insertResponseRoutes(batch),
      chunkSize: ROWS_PER_INSERT,
      // Other instances can only route these responses once they are stored, and the
      // database may be back in a moment: keep trying, keeping the newest records.
      retry: true,
      retryAfterMs,
      maxItems: maxPending,
      keep: 'newest',
      onWritten: (batch) => (written(), this.written(batch)),
      onDrop: (route) => this.forget(route),
      onError: (err) => this.failed(err),
    });
    this.marks = new WriteBehind<string>({
      // Under load one statement carries the marks of many responses.
      flush: { after: opts.flushDelayMs ?? 5, minInterval: opts.minFlushIntervalMs ?? 25 },
      write: async (ids) => {
        // A mark may be about a record still being written (this turn's commit, or a retry of
        // one the store refused): the update must come after it.
        await this.turn.flush();
        await this.kept.flush();
        await this.store.markResponseUsage(ids, Date.now());
      },
      retry: true,
      retryAfterMs,
      maxItems: maxPending,
      keep: 'newest',
      onWritten: written,
      onError: (err) => this.failed(err),
    });
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
    this.turn.add(route);
    return this.turn.nextWrite();
  }

  private async insertAll(batch: readonly ResponseRoute[]): Promise<void> {
    for (let i = 0; i < batch.length; i += ROWS_PER_INSERT) await this.store.insertResponseRoutes(batch.slice(i, i + ROWS_PER_INSERT));
  }

  private failed(err: unknown): void {
    if (!this.failing) this.opts.onError(err);
    this.failing = true;
  }

  /** A record given up on (the store failed for too long): memory no longer holds it either. */
  private forget(route: ResponseRoute): void {
    if (this.unwritten.get(route.responseId) === route) this.unwritten.delete(route.responseId);
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
      // Still waiting to be written: its insert carries the mark.
      if (this.kept.get(responseId) === route) return true;
    }
    this.marks.add(responseId);
    return true;
  }

  /**
   * For polls of a background response: the first poll (on any instance) that sees its usage
   * counts it. Pending records are written first so the conditional update finds the row.
   */
  async claimUsage(responseId: string): Promise<boolean> {
    const known = this.unwritten.get(responseId) ?? this.cache.get(responseId);
    if (known && known.usageCountedAt !== null) return false;
    await this.flush();
    const at = Date.now();
    const won = await this.store.claimResponseUsage(responseId, at);
    // Won here or counted elsewhere (another instance): either way, later polls need not ask.
    if (known) known.usageCountedAt = at;
    return won;
  }

  /** Writes pending records and usage marks; safe to call concurrently. Never rejects. */
  async flush(): Promise<void> {
    await this.turn.flush();
    await Promise.all([this.kept.flush(), this.marks.flush()]);
  }

  private written(batch: readonly ResponseRoute[]): void {
    for (const route of batch) {
      // A record remembered again meanwhile (same id) stays until its own batch is written.
      if (this.unwritten.get(route.responseId) === route) this.unwritten.delete(route.responseId);
    }
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
