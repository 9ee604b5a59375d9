// last_used_at is written off the hot path: requests only note the time in a map, and a
// timer flushes the map in one transaction.
import type { Store } from '../store/types.js';

export class LastUsedRecorder {
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<Store, 'recordTokenUse'>,
    private readonly onError: (err: unknown) => void,
    flushEveryMs = 2_000,
  ) {
    this.timer = setInterval(() => void this.flush(), flushEveryMs);
    this.timer.unref();
  }

  touch(tokenId: string, at = Date.now()): void {
    this.pending.set(tokenId, at);
  }

  /** Uses not yet written, so listings can show them. */
  pendingFor(tokenId: string): number | undefined {
    return this.pending.get(tokenId);
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    try {
      await this.store.recordTokenUse(batch);
    } catch (err) {
      this.onError(err);
    }
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
