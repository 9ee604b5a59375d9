// Embedded default: one SQLite file in the data dir, WAL so the CLI and a running server
// (or several readers) can share it safely.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { requestLog, responseRoutes } from './columns.js';
import type { Database } from './schema.js';
import { BackgroundCheckpoints, type BackgroundCheckpointOptions } from './sqlite-checkpoints.js';
import { SqlStore } from './sql-store.js';
import type { RequestLogEntry, ResponseRoute } from './types.js';

export const SQLITE_FILE = 'bodhi.sqlite';

/**
 * Inserts rows through one cached statement derived from the table's column map, a batch per
 * transaction.
 */
function bulkInsert<R>(sqlite: BetterSqlite3.Database, sql: string, params: (row: R) => unknown[]): (rows: readonly R[]) => void {
  let write: ((rows: readonly R[]) => void) | undefined;
  return (rows) => {
    // Prepared on first use: the table exists only once migrations ran.
    write ??= (() => {
      const stmt = sqlite.prepare(sql);
      return sqlite.transaction((batch: readonly R[]) => {
        for (const row of batch) stmt.run(params(row));
      });
    })();
    write(rows);
  };
}

/**
 * The write-heavy batches (routing records, request log: a row each per request) go through
 * one cached prepared statement each: a multi-row statement that Kysely builds and SQLite
 * prepares for every batch costs several times the CPU per row. Everything else goes through
 * the shared SqlStore.
 */
class SqliteStore extends SqlStore {
  private readonly writeRoutes: (rows: readonly ResponseRoute[]) => void;
  private readonly writeLogs: (rows: readonly RequestLogEntry[]) => void;

  constructor(
    db: Kysely<Database>,
    sqlite: BetterSqlite3.Database,
    file: string,
    private readonly checkpoints: BackgroundCheckpoints | undefined,
  ) {
    super(db, { kind: 'sqlite', location: file });
    this.writeRoutes = bulkInsert(sqlite, responseRoutes.insertSql('ON CONFLICT (response_id) DO NOTHING'), (r) => responseRoutes.params(r));
    this.writeLogs = bulkInsert(sqlite, requestLog.insertSql(), (e) => requestLog.params(e));
  }

  override async close(): Promise<void> {
    await this.checkpoints?.close();
    await super.close();
  }

  override async insertResponseRoutes(routes: readonly ResponseRoute[]): Promise<void> {
    if (routes.length) this.writeRoutes(routes);
  }

  override async insertRequestLogs(entries: readonly RequestLogEntry[]): Promise<void> {
    if (entries.length) this.writeLogs(entries);
  }
}

export interface SqliteOptions {
  /** WAL checkpoints in a worker thread (the server); the CLI's short-lived connections keep SQLite's own. */
  backgroundCheckpoints?: BackgroundCheckpointOptions | undefined;
}

export function openSqliteStore(home: string, opts: SqliteOptions = {}): SqlStore {
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = join(home, SQLITE_FILE);
  // Create the file private to its owner before SQLite opens it (WAL/SHM files inherit the mode).
  closeSync(openSync(file, 'a', 0o600));
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable across process crashes in WAL mode (only an OS crash can lose the last commits).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  let checkpoints: BackgroundCheckpoints | undefined;
  try {
    if (opts.backgroundCheckpoints) checkpoints = new BackgroundCheckpoints(sqlite, file, opts.backgroundCheckpoints);
  } catch (err) {
    sqlite.close();
    throw err;
  }
  return new SqliteStore(db, sqlite, file, checkpoints);
}
