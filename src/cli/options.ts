// What every management command shares: the store flags and the error-reporting wrapper.
import { Option } from 'commander';
import type { ConfigFlags } from '../config.js';
import { reportError } from './context.js';

export const homeOption = () => new Option('--home <dir>', 'data dir (default: $BODHI_HOME or ~/.bodhi)');
export const databaseUrlOption = () =>
  new Option('--database-url <url>', 'PostgreSQL URL shared by every instance (default: $BODHI_DATABASE_URL; unset = SQLite in the data dir)');
/** The store settings every management command takes. */
export type StoreFlags = { home?: string; databaseUrl?: string };
export const storeFlags = (opts: StoreFlags): ConfigFlags => ({ home: opts.home, databaseUrl: opts.databaseUrl });

/** Runs an action; an error is printed without a stack trace and sets a failing exit code. */
export const run =
  <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
  async (...args: A) => {
    try {
      await fn(...args);
    } catch (err) {
      reportError(err);
    }
  };
