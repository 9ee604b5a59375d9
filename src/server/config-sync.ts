// Keeps the in-memory token cache and model registry coherent with the store. Every config
// write bumps a version in the same transaction; this polls that one cheap row and reloads
// everything when it moves, so changes from the CLI or another instance show up within one
// interval, and requests never query the database for auth or routing.
import type { TokenCache } from '../auth/token-cache.js';
import type { SecretBox } from '../crypto/secret-box.js';
import { toLive, toLiveLocal, type ModelRegistry } from '../models/registry.js';
import type { Store } from '../store/types.js';

export interface ConfigSyncDeps {
  store: Store;
  box: SecretBox;
  tokens: TokenCache;
  registry: ModelRegistry;
  intervalMs: number;
  onError: (err: unknown) => void;
  /** Extra work after each reload (e.g. local aliases, metrics). */
  onReload?: () => Promise<void>;
}

export class ConfigSync {
  private version: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  /** Set when the last check failed (e.g. database unreachable); the caches keep serving. */
  lastError: unknown = undefined;

  constructor(private readonly deps: ConfigSyncDeps) {}

  async start(): Promise<void> {
    await this.reload();
    const tick = () => {
      void this.check().finally(() => {
        if (this.timer) this.timer = setTimeout(tick, this.deps.intervalMs).unref();
      });
    };
    this.timer = setTimeout(tick, this.deps.intervalMs).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Reloads if the stored version moved since the last load. */
  async check(): Promise<void> {
    try {
      const version = await this.deps.store.configVersion();
      if (version !== this.version) await this.reload();
      this.lastError = undefined;
    } catch (err) {
      this.lastError = err;
      this.deps.onError(err);
    }
  }

  /** Loads everything now. Loads run one after another, so a load asked for after a write sees it. */
  reload(): Promise<void> {
    const next = (this.running ?? Promise.resolve()).catch(() => undefined).then(() => this.load());
    this.running = next;
    return next;
  }

  private async load(): Promise<void> {
    const { store, box, tokens, registry } = this.deps;
    // Read the version first: a change landing mid-load is then seen again on the next check.
    const version = await store.configVersion();
    const [models, tokenRows, localAliases] = await Promise.all([store.listApiModels(), store.listTokens(), store.listLocalAliases()]);
    registry.replace(
      models.map((m) => toLive(m, box)),
      localAliases.map(toLiveLocal),
    );
    tokens.replace(tokenRows);
    await this.deps.onReload?.();
    this.version = version;
  }
}
