// Write-behind batching: callers hand items over without waiting for the database, and a
// flush writes what accumulated in one call (or in bounded chunks). Every background writer
// uses it: token last use, the request log, response routing records.
import { setImmediate as nextTurn } from 'node:timers/promises';

export type FlushTrigger =
  /** A flush every `every` ms. */
  | { every: number }
  /** A flush `after` ms after an item arrives, and at most one per `minInterval` ms. */
  | { after: number; minInterval?: number }
  /** A flush in the next turn of the event loop: the items of one turn share a write. */
  | 'next-turn';

export interface WriteBehindOptions<T, K> {
  /** Writes a batch; a rejection hands the batch's unwritten items to `onError` (and `retry`). */
  write: (batch: T[]) => Promise<void>;
  flush: FlushTrigger;
  /** Coalescing: an item replaces the waiting one with the same key. */
  key?: (item: T) => K;
  /** Items held at most (waiting plus failed ones kept for a retry); beyond it items are dropped and counted. */
  maxItems?: number;
  /** Which items survive when full: the oldest (new ones are dropped; the default) or the newest. */
  keep?: 'oldest' | 'newest';
  /** Items per write call, with the event loop running between calls (synchronous drivers). */
  chunkSize?: number;
  /** Failed items are kept (within `maxItems`) for the next flush, scheduled after `retryAfterMs` if given. */
  retry?: boolean;
  retryAfterMs?: number;
  /** Writes need not wait for the one in flight (each batch is independent). */
  concurrent?: boolean;
  /** A write failed; `unwritten` are the items it did not store (kept for a retry if `retry`). Must not throw. */
  onError: (err: unknown, unwritten: readonly T[]) => void;
  onWritten?: (batch: readonly T[]) => void;
  /** An item given up for lack of room. */
  onDrop?: (item: T) => void;
}

const noop = () => undefined;

export class WriteBehind<T, K = never> {
  private list: T[] = [];
  private readonly byKey: Map<K, T> | undefined;
  private readonly max: number;
  /** Settles when every write started so far has. */
  private writing: Promise<void> = Promise.resolve();
  private cancelTimer: (() => void) | undefined;
  private readonly interval: NodeJS.Timeout | undefined;
  private next: { promise: Promise<void>; resolve: (done: Promise<void>) => void } | undefined;
  private lastFlushAt = -Infinity;
  private stopped = false;
  private droppedCount = 0;

  constructor(private readonly opts: WriteBehindOptions<T, K>) {
    this.max = opts.maxItems ?? Infinity;
    if (opts.key) this.byKey = new Map();
    const trigger = opts.flush;
    if (typeof trigger === 'object' && 'every' in trigger) this.interval = setInterval(() => void this.flush(), trigger.every).unref();
  }

  /** Items lost because there was no room. */
  get dropped(): number {
    return this.droppedCount;
  }

  /** Items waiting (not yet taken by a write). */
  get size(): number {
    return this.byKey ? this.byKey.size : this.list.length;
  }

  /** The waiting item with this key, if any. */
  get(key: K): T | undefined {
    return this.byKey?.get(key);
  }

  add(item: T): void {
    const key = this.opts.key?.(item) as K;
    const replaces = this.byKey?.has(key) ?? false;
    if (!replaces && this.size >= this.max) {
      if (this.opts.keep !== 'newest') {
        this.drop(item);
        return;
      }
      this.drop(this.takeOldest()!);
    }
    if (this.byKey) {
      // Re-inserted so that it counts as the newest.
      this.byKey.delete(key);
      this.byKey.set(key, item);
    } else this.list.push(item);
    this.schedule();
  }

  /** Settles once the items added so far are written or given up (by the flush that takes them). */
  nextWrite(): Promise<void> {
    if (this.size === 0) return this.writing;
    if (!this.next) {
      let resolve!: (done: Promise<void>) => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.next = { promise, resolve };
    }
    return this.next.promise;
  }

  /** Writes everything waiting; settles when that write and every earlier one have. Never rejects. */
  flush(): Promise<void> {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const batch = this.take();
    let done = this.writing;
    if (batch.length) {
      this.lastFlushAt = performance.now();
      const run = () => this.writeAll(batch);
      if (this.opts.concurrent) {
        done = run();
        this.writing = Promise.allSettled([this.writing, done]).then(noop);
      } else {
        done = this.writing = this.writing.then(run, run);
      }
    }
    this.next?.resolve(done);
    this.next = undefined;
    return this.opts.concurrent ? this.writing : done;
  }

  /** No more timed flushes; writes what is waiting. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.interval);
    await this.flush();
  }

  private async writeAll(batch: T[]): Promise<void> {
    const step = this.opts.chunkSize ?? batch.length;
    for (let i = 0; i < batch.length; i += step) {
      if (i > 0) await nextTurn();
      const chunk = step >= batch.length ? batch : batch.slice(i, i + step);
      try {
        await this.opts.write(chunk);
      } catch (err) {
        const unwritten = i === 0 ? batch : batch.slice(i);
        if (this.opts.retry) this.restore(unwritten);
        this.opts.onError(err, unwritten);
        return;
      }
      this.opts.onWritten?.(chunk);
    }
  }

  /** Puts failed items back ahead of those added since; they fill the room that is left. */
  private restore(failed: readonly T[]): void {
    const room = Math.max(0, this.max - this.size);
    const cut = this.opts.keep === 'newest' ? Math.max(0, failed.length - room) : Math.min(room, failed.length);
    const [kept, lost] = this.opts.keep === 'newest' ? [failed.slice(cut), failed.slice(0, cut)] : [failed.slice(0, cut), failed.slice(cut)];
    for (const item of lost) this.drop(item);
    if (this.byKey) {
      const newer = [...this.byKey];
      this.byKey.clear();
      // An item added since, with the same key, supersedes the failed one.
      for (const item of kept) this.byKey.set(this.opts.key!(item), item);
      for (const [key, item] of newer) {
        this.byKey.delete(key);
        this.byKey.set(key, item);
      }
    } else this.list = kept.concat(this.list);
    if (this.opts.retryAfterMs !== undefined) this.setTimer(this.opts.retryAfterMs);
  }

  private take(): T[] {
    if (this.byKey) {
      const batch = [...this.byKey.values()];
      this.byKey.clear();
      return batch;
    }
    const batch = this.list;
    this.list = [];
    return batch;
  }

  private takeOldest(): T | undefined {
    if (!this.byKey) return this.list.shift();
    const first = this.byKey.entries().next();
    if (first.done) return undefined;
    this.byKey.delete(first.value[0]);
    return first.value[1];
  }

  private drop(item: T): void {
    this.droppedCount++;
    this.opts.onDrop?.(item);
  }

  private schedule(): void {
    const trigger = this.opts.flush;
    if (trigger === 'next-turn') {
      if (this.cancelTimer || this.stopped) return;
      const immediate = setImmediate(() => void this.flush());
      this.cancelTimer = () => clearImmediate(immediate);
    } else if ('after' in trigger) {
      this.setTimer(Math.max(trigger.after, this.lastFlushAt + (trigger.minInterval ?? 0) - performance.now()));
    }
  }

  /** A flush after `ms`, unless one is already due (a due flush is never moved). */
  private setTimer(ms: number): void {
    if (this.cancelTimer || this.stopped) return;
    const timer = setTimeout(() => void this.flush(), ms).unref();
    this.cancelTimer = () => clearTimeout(timer);
  }
}
