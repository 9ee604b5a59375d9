// Embedded default: one SQLite file in the data dir, WAL so the CLI and a running server
// (or several readers) can share it safely.
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from './schema.js';
import { SqlStore } from './sql-store.js';

export const SQLITE_FILE = 'bodhi.sqlite';

export function openSqliteStore(home: string): SqlStore {
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
  return new SqlStore(db, { kind: 'sqlite', location: file });
}
