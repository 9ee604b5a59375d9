// What a management command needs: the same store and services the server uses, opened
// directly on the data dir (a running server picks the change up through its config sync).
import { TokenService } from '../auth/token-service.js';
import { loadConfig, type Config, type ConfigFlags } from '../config.js';
import { createSecretBox, keyForConfig } from '../crypto/secret-box.js';
import { GatewayError } from '../errors/catalogue.js';
import { ApiModelService } from '../models/api-model-service.js';
import { LocalAliasService } from '../models/local-alias-service.js';
import { RouterService } from '../models/router-service.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';

export interface CliContext {
  config: Config;
  store: Store;
  apiModels: ApiModelService;
  localAliases: LocalAliasService;
  routers: RouterService;
  tokens: TokenService;
}

export async function withContext<T>(flags: ConfigFlags, fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const config = loadConfig(flags);
  const box = createSecretBox(keyForConfig(config));
  const store = await openStore(config);
  try {
    return await fn({
      config,
      store,
      apiModels: new ApiModelService(store, box),
      localAliases: new LocalAliasService(store),
      routers: new RouterService(store),
      tokens: new TokenService(store),
    });
  } finally {
    await store.close();
  }
}

/** Prints a user-facing error without a stack trace and sets a failing exit code. */
export function reportError(err: unknown): void {
  if (err instanceof GatewayError) {
    process.stderr.write(`error: ${err.message}${err.param ? ` (${err.param})` : ''}\n`);
    process.exitCode = err.status === 404 ? 4 : err.status === 409 ? 3 : 1;
    return;
  }
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
}

export function printTable(rows: Record<string, unknown>[], columns: string[]): void {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cell = (v: unknown) => (v === null || v === undefined ? '-' : Array.isArray(v) ? v.join(',') : String(v));
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd() + '\n';
  process.stdout.write(line(columns.map((c) => c.toUpperCase())));
  for (const r of rows) process.stdout.write(line(columns.map((c) => cell(r[c]))));
}
