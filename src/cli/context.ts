// What a management command needs: the same store and services the server uses, opened
// directly on the data dir (a running server picks the change up through its config sync).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { TokenService } from '../auth/token-service.js';
import { loadConfig, type Config } from '../config.js';
import { createSecretBox, keyForConfig } from '../crypto/secret-box.js';
import { GatewayError } from '../errors/catalogue.js';
import { ApiModelService } from '../models/api-model-service.js';
import { LocalAliasService } from '../models/local-alias-service.js';
import { RouterService } from '../models/router-service.js';
import { openStore } from '../store/index.js';
import { SQLITE_FILE } from '../store/sqlite.js';
import type { Store } from '../store/types.js';

export interface CliContext {
  config: Config;
  store: Store;
  apiModels: ApiModelService;
  localAliases: LocalAliasService;
  routers: RouterService;
  tokens: TokenService;
}

/** The store settings every command that touches data takes. */
export type StoreFlags = { home?: string; databaseUrl?: string; verbose?: boolean };

export interface ContextOptions<T> {
  /**
   * A read-only command (list, usage): on a SQLite data dir that has no database yet, nothing
   * is created; a note on stderr names the data dir looked in and `empty()` answers instead.
   */
  readOnly?: { empty: () => T | Promise<T> };
}

/** Prints a line on stderr (never stdout: that is the command's output, e.g. a token or JSON). */
export const note = (line: string): void => void process.stderr.write(`${line}\n`);
export const warn = (line: string): void => note(`warning: ${line}`);

export async function withContext<T>(flags: StoreFlags, fn: (ctx: CliContext) => Promise<T>, options: ContextOptions<T> = {}): Promise<T> {
  const config = loadConfig({ home: flags.home, databaseUrl: flags.databaseUrl });
  if (options.readOnly && !config.databaseUrl && !existsSync(join(config.home, SQLITE_FILE))) {
    note(`note: no data in ${config.home} yet (no ${SQLITE_FILE} there; nothing was created). Pick another data dir with --home DIR or BODHI_HOME, or a shared database with --database-url.`);
    return await options.readOnly.empty();
  }
  const box = createSecretBox(keyForConfig(config));
  const store = await openStore(config);
  if (flags.verbose) note(`using data dir ${config.home}, database ${store.kind} ${store.location}`);
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

/**
 * One style for every failure: `error: <message>` starting in lowercase (unless it starts with
 * a name such as API or BODHI_HOME), without a closing period, and with the field appended only
 * when the message does not already name it.
 */
export function errorLine(message: string, param?: string | null): string {
  let text = message.trim().replace(/^error:\s*/i, '');
  if (/^[A-Z](?![A-Z0-9_])/.test(text)) text = text[0]!.toLowerCase() + text.slice(1);
  text = text.replace(/\.$/, '');
  if (param && param !== 'id' && !text.includes(param)) text += ` (${param})`;
  return `error: ${text}`;
}

/** Prints a user-facing error without a stack trace and sets a failing exit code. */
export function reportError(err: unknown): void {
  if (err instanceof GatewayError) {
    process.stderr.write(errorLine(err.message, err.param) + '\n');
    process.exitCode = err.status === 404 ? 4 : err.status === 409 ? 3 : 1;
    return;
  }
  process.stderr.write(errorLine(err instanceof Error ? err.message : String(err)) + '\n');
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
