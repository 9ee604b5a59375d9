// Deletes expired routing records in the background. Each statement removes a bounded batch
// and the loop yields between batches, so a large backlog never holds the database (or, with
// SQLite, the event loop) for long. Every instance may prune; the deletes are idempotent.
import type { Store } from '../store/types.js';

export interface RoutePrunerOptions {
  retentionMs: number;
  /** How often to prune; default hourly. */
  intervalMs?: number;
  /** Delay before the first run (default: a random 10-70 s, so instances started together spread out). */
  firstRunMs?: number;
  batchSize?: number;
  onPruned?: (count: number) => void;
  onError: (err: unknown) => void;
}

export class RoutePruner {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private running: Promise<number> | undefined;

  constructor(
    private readonly store: Pick<Store, 'pruneResponseRoutes'>,
    private readonly opts: RoutePrunerOptions,
  ) {}

  start(): void {
    if (this.opts.retentionMs <= 0) return;
    const schedule = (ms: number) => {
      this.timer = setTimeout(() => {
        void this.prune().finally(() => {
          if (!this.stopped) schedule(this.opts.intervalMs ?? 3_600_000);
        });
      }, ms);
      this.timer.unref();
    };
    schedule(this.opts.firstRunMs ?? 10_000 + Math.random() * 60_000);
  }

  /** Stops scheduling and waits for a run in progress to end after its current batch. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** Prunes everything older than the retention now; resolves with the number deleted. */
  prune(now = Date.now()): Promise<number> {
    this.running ??= this.run(now - this.opts.retentionMs).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(cutoff: number): Promise<number> {
    const batchSize = this.opts.batchSize ?? 1000;
    let total = 0;
    try {
      for (;;) {
        const n = await this.store.pruneResponseRoutes(cutoff, batchSize);
        total += n;
        if (n < batchSize || this.stopped) break;
        await new Promise((resolve) => setImmediate(resolve));
      }
    } catch (err) {
      this.opts.onError(err);
    }
    if (total > 0) this.opts.onPruned?.(total);
    return total;
  }
}
