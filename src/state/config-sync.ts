// Keeps the in-memory token cache and model registry coherent with the store. Every config
// write bumps a version in the same transaction; this polls that one cheap row and reloads
// everything when it moves, so changes from the CLI or another instance show up within one
// interval, and requests never query the database for auth or routing. Stores shared between
// instances (PostgreSQL) also push a notification on every change: the check then runs at
// once, and the poll is the safety net for notifications lost while disconnected.
import type { TokenCache } from './token-cache.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { toLive, toLiveLocal, type LiveApiModel, type ModelRegistry } from './registry.js';
import type { ApiModelRecord, Store } from '../store/types.js';

export interface ConfigSyncDeps {
  store: Store;
  box: SecretBox;
  tokens: TokenCache;
  registry: ModelRegistry;
  intervalMs: number;
  /** Called when checks start failing (once per outage, not on every tick). */
  onError: (err: unknown) => void;
  /** Called when checks succeed again after failing. */
  onRecovered?: () => void;
  /** An API model left out of the registry (its key can't be decrypted with this instance's key). */
  onBadApiModel?: (model: ApiModelRecord, err: unknown) => void;
}

/**
 * Lookups that miss (an unknown token or model name) check the version at most this often,
 * together: a flood of unknown names costs at most 20 version reads a second per instance.
 */
export const MISS_CHECK_INTERVAL_MS = 50;

export class ConfigSync {
  private version: string | undefined;
  private lastMissCheckAt = -Infinity;
  private missCheck: Promise<boolean> | undefined;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private checking: Promise<void> | undefined;
  private checkAgain = false;
  private unsubscribe: (() => void) | undefined;

  /** Set when the last check failed (e.g. database unreachable); the caches keep serving. */
  lastError: unknown = undefined;

  constructor(private readonly deps: ConfigSyncDeps) {}

  async start(): Promise<void> {
    await this.reload();
    this.unsubscribe = this.deps.store.subscribeConfigChanges?.(() => void this.checkSoon());
    const tick = () => {
      void this.checkSoon().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.deps.intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, this.deps.intervalMs).unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /**
   * Runs a check now, or right after the one in flight: a burst of notifications costs at
   * most two checks, and a change committed during a check is never missed.
   */
  checkSoon(): Promise<void> {
    if (this.checking) {
      this.checkAgain = true;
      return this.checking;
    }
    const run = async (): Promise<void> => {
      do {
        this.checkAgain = false;
        await this.check();
      } while (this.checkAgain);
    };
    this.checking = run().finally(() => {
      this.checking = undefined;
    });
    return this.checking;
  }

  /**
   * For a lookup that missed: has what was committed before now been loaded? Something the CLI
   * (or another instance) created a moment ago is then usable at once, not after the next poll.
   * Checks start at most once per MISS_CHECK_INTERVAL_MS; a caller inside that window waits for
   * the next one, which starts after its miss, so no change it depends on is ever missed.
   * Resolves true when the check reached the store.
   */
  refreshOnMiss(): Promise<boolean> {
    // Shutting down: the store may be closing, and the caches are as fresh as they will get.
    if (this.stopped) return Promise.resolve(false);
    if (this.missCheck) return this.missCheck;
    const wait = this.lastMissCheckAt + MISS_CHECK_INTERVAL_MS - performance.now();
    const run = () => {
      this.missCheck = undefined;
      this.lastMissCheckAt = performance.now();
      return this.checkSoon().then(() => this.lastError === undefined);
    };
    if (wait <= 0) return run();
    this.missCheck = new Promise<void>((resolve) => setTimeout(resolve, wait)).then(run);
    return this.missCheck;
  }

  /** Reloads if the stored version moved since the last load. */
  async check(): Promise<void> {
    try {
      const version = await this.deps.store.configVersion();
      if (version !== this.version) await this.reload();
      if (this.lastError !== undefined) this.deps.onRecovered?.();
      this.lastError = undefined;
    } catch (err) {
      if (this.lastError === undefined) this.deps.onError(err);
      this.lastError = err;
    }
  }

  /** Loads everything now. Loads run one after another, so a load asked for after a write sees it. */
  reload(): Promise<void> {
    const next = (this.running ?? Promise.resolve()).catch(() => undefined).then(() => this.load());
    this.running = next;
    return next;
  }

  private async load(): Promise<void> {
    const { store, tokens, registry } = this.deps;
    // Read the version first: a change landing mid-load is then seen again on the next check.
    const version = await store.configVersion();
    const [models, tokenRows, localAliases, routers] = await Promise.all([store.listApiModels(), store.listTokens(), store.listLocalAliases(), store.listRouters()]);
    registry.replace(this.live(models), localAliases.map(toLiveLocal), routers);
    tokens.replace(tokenRows);
    this.version = version;
  }

  /** One API model whose key can't be decrypted must not stop every other change from loading. */
  private live(models: readonly ApiModelRecord[]): LiveApiModel[] {
    const live: LiveApiModel[] = [];
    for (const m of models) {
      try {
        live.push(toLive(m, this.deps.box));
      } catch (err) {
        this.deps.onBadApiModel?.(m, err);
      }
    }
    return live;
  }
}
