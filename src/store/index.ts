import type { Config } from '../config.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './types.js';

/** Opens the configured store and brings its schema up to date. */
export async function openStore(config: Pick<Config, 'home' | 'databaseUrl'>): Promise<Store> {
  if (config.databaseUrl) {
    throw new Error('BODHI_DATABASE_URL (PostgreSQL) is not supported yet');
  }
  const store = openSqliteStore(config.home);
  await store.migrate();
  return store;
}
