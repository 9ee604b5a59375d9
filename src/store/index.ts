import type { Config } from '../config.js';
import type { StoreLog } from './log.js';
import { isPostgresUrl, openPostgresStore } from './postgres.js';
import { openSqliteStore, type SqliteOptions } from './sqlite.js';
import type { Store } from './types.js';

/** Opens the configured store and brings its schema up to date. */
export async function openStore(
  config: Pick<Config, 'home' | 'databaseUrl'> & Partial<Pick<Config, 'databasePoolSize'>>,
  log?: StoreLog,
  sqliteOptions?: SqliteOptions,
): Promise<Store> {
  if (config.databaseUrl && !isPostgresUrl(config.databaseUrl)) {
    throw new Error('BODHI_DATABASE_URL must be a postgres:// or postgresql:// URL (leave it unset for SQLite in the data dir)');
  }
  const store = config.databaseUrl ? openPostgresStore(config.databaseUrl, { poolSize: config.databasePoolSize, log }) : openSqliteStore(config.home, sqliteOptions);
  try {
    if (store.kind === 'postgres') {
      await store.ping().catch((err: unknown) => {
        throw new Error(`cannot connect to the database at ${store.location}: ${err instanceof Error ? err.message : String(err)}`);
      });
    }
    await store.migrate();
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
  return store;
}
