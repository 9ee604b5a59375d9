// PostgreSQL for tests: every test file creates its own uniquely named database and drops it
// at the end, so files run in parallel and next to other people's tests on the same server.
// PostgreSQL must be reachable (CI runs it on 127.0.0.1:5432, trust auth): when it is not,
// these tests fail; they never skip.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A maintenance connection; BODHI_TEST_POSTGRES_URL overrides it. */
export const PG_ADMIN_URL = process.env.BODHI_TEST_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  name: string;
  /** Connection URL for the gateway / store. */
  url: string;
  /** Runs SQL on the maintenance database (not the test one). */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Kills every connection to the test database; returns how many were killed. */
  terminateConnections(): Promise<number>;
  /** Refuses (or allows again) new connections to the test database: an outage for this database only. */
  allowConnections(allow: boolean): Promise<void>;
  drop(): Promise<void>;
}

async function adminQuery<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL is not reachable at ${PG_ADMIN_URL} (these tests need it; CI provides it): ${String(err)}`);
  }
  try {
    return await client.query<R>(text, values);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export function databaseUrl(name: string): string {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `bodhi_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const terminate = async () => {
    const res = await adminQuery<{ pid: number }>(
      'SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [name],
    );
    return res.rowCount ?? 0;
  };
  return {
    name,
    url: databaseUrl(name),
    admin: adminQuery,
    terminateConnections: terminate,
    async allowConnections(allow) {
      await adminQuery(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS ${allow ? 'true' : 'false'}`);
    },
    async drop() {
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

