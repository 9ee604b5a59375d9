// Scale-out: PostgreSQL shared by any number of gateway instances (and the CLI). Same schema,
// migrations and SqlStore as SQLite; this adds the pool, change notifications (NOTIFY in the
// same transaction as the change, a LISTEN connection per instance) and URL redaction.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { StoreLog } from './log.js';
import { PgListener, type ListenerState } from './pg-listener.js';
import type { Database } from './schema.js';
import { SqlStore } from './sql-store.js';

/** NOTIFY channel for config changes; the payload is the new config version. */
export const CONFIG_CHANNEL = 'bodhi_config_changed';

export interface PostgresStoreOptions {
  poolSize?: number;
  log?: StoreLog;
}

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//i.test(url);

/** The URL without its password (in the user-info part or a `password` query parameter). */
export function redactDatabaseUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    if (url.searchParams.has('password')) url.searchParams.set('password', '***');
    return url.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}

export class PostgresStore extends SqlStore {
  private listener: PgListener | undefined;
  private readonly subscribers = new Set<() => void>();

  constructor(
    db: Kysely<Database>,
    private readonly connectionString: string,
    private readonly log: StoreLog | undefined,
  ) {
    super(db, {
      kind: 'postgres',
      location: redactDatabaseUrl(connectionString),
      // pg_notify inside the transaction: PostgreSQL delivers it on commit, never on rollback.
      onConfigChanged: async (trx, version) => {
        await sql`select pg_notify(${CONFIG_CHANNEL}, ${version})`.execute(trx);
      },
    });
  }

  /** 'listening' once the notification connection is up; undefined before anyone subscribed. */
  get notificationState(): ListenerState | undefined {
    return this.listener?.state;
  }

  subscribeConfigChanges(listener: () => void): () => void {
    this.subscribers.add(listener);
    if (!this.listener) {
      // Started on first use only: the CLI never subscribes, so it opens no extra connection.
      this.listener = new PgListener({
        connectionString: this.connectionString,
        channel: CONFIG_CHANNEL,
        log: this.log,
        onNotify: () => this.emit(),
        // Changes committed while the connection was down sent notifications nobody heard.
        onListening: () => this.emit(),
      });
      this.listener.start();
    }
    return () => {
      this.subscribers.delete(listener);
    };
  }

  override async close(): Promise<void> {
    await this.listener?.close();
    await super.close();
  }

  private emit(): void {
    for (const fn of this.subscribers) fn();
  }
}

export function openPostgresStore(connectionString: string, opts: PostgresStoreOptions = {}): PostgresStore {
  const pool = new pg.Pool({
    connectionString,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    application_name: 'bodhi-gateway',
  });
  // A pooled connection killed by the server (restart, pg_terminate_backend, failover) emits
  // 'error' on its client; without listeners that would crash the process. The pool drops the
  // broken client and opens a fresh one on the next query.
  // The client listener logs; the pool re-emits idle clients' errors, which must not throw.
  pool.on('connect', (client) => client.on('error', (err) => opts.log?.warn({ err }, 'database connection lost; the pool reconnects on demand')));
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return new PostgresStore(db, connectionString, opts.log);
}
