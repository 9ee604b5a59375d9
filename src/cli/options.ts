// What every management command shares: the store flags and the error-reporting wrapper.
import { Command, Option } from 'commander';
import { reportError, type StoreFlags } from './context.js';

export type { StoreFlags } from './context.js';

export const homeOption = () => new Option('--home <dir>', 'data dir (default: $BODHI_HOME or ~/.bodhi)');
export const databaseUrlOption = () =>
  new Option('--database-url <url>', 'PostgreSQL URL shared by every instance (default: $BODHI_DATABASE_URL; unset = SQLite in the data dir)');
export const verboseOption = () => new Option('--verbose', 'print the data dir and database used on stderr');
/** --home, --database-url and --verbose: every command that touches data takes them. */
export const storeOptions = (cmd: Command): Command => cmd.addOption(homeOption()).addOption(databaseUrlOption()).addOption(verboseOption());
export const storeFlags = (opts: StoreFlags): StoreFlags => ({ home: opts.home, databaseUrl: opts.databaseUrl, verbose: opts.verbose });

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
