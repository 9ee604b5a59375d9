// last_used_at is written off the hot path: requests only note the time (the latest per
// token wins), and a timer writes the notes in one transaction.
import { WriteBehind } from '../lib/write-behind.js';
import type { Store } from '../store/types.js';

interface Use {
  tokenId: string;
  at: number;
}

export class LastUsedRecorder {
  private readonly uses: WriteBehind<Use, string>;

  constructor(store: Pick<Store, 'recordTokenUse'>, onError: (err: unknown) => void, flushEveryMs = 2_000) {
    this.uses = new WriteBehind<Use, string>({
      key: (use) => use.tokenId,
      flush: { every: flushEveryMs },
      write: (batch) => store.recordTokenUse(new Map(batch.map((use) => [use.tokenId, use.at]))),
      // A lost note is superseded by the token's next use.
      onError: (err) => onError(err),
    });
  }

  touch(tokenId: string, at = Date.now()): void {
    this.uses.add({ tokenId, at });
  }

  /** Uses not yet written, so listings can show them. */
  pendingFor(tokenId: string): number | undefined {
    return this.uses.get(tokenId)?.at;
  }

  flush(): Promise<void> {
    return this.uses.flush();
  }

  stop(): Promise<void> {
    return this.uses.stop();
  }
}
