// Reads the SQLite file (and its WAL) byte by byte, and every PostgreSQL table row: neither
// API keys nor tokens are in them.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodhi } from '../support/cli.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

describe('secrets at rest', () => {
  let gw: TestGateway;
  const apiKey = 'sk-proj-AtRestCanary-7f3a9c';
  let token: string;

  beforeAll(async () => {
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'secret', api_format: 'openai', base_url: 'https://example.invalid/v1', api_key: apiKey, models: ['m'] });
    token = await gw.createToken('canary');
    const cli = await bodhi(['api-models', 'add', '--name', 'cli', '--format', 'openai', '--base-url', 'http://x/v1', '--api-key', apiKey + '-cli', '--models', 'n'], { BODHI_HOME: gw.home });
    expect(cli.code, cli.stderr).toBe(0);
    await gw.call('/v1/models', { token });
  });
  afterAll(() => gw.close());

  it('stores neither API keys nor tokens in plain text (database file, WAL, anything in the data dir)', async () => {
    await gw.server.gateway.lastUsed.flush();
    const files = readdirSync(gw.home).map((f) => join(gw.home, f));
    expect(files.some((f) => f.endsWith('bodhi.sqlite'))).toBe(true);
    const needles = [apiKey, token, token.slice('sk-bodhiapp_'.length), 'AtRestCanary'];
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const needle of needles) {
        expect(bytes.includes(Buffer.from(needle)), `${needle} in ${file}`).toBe(false);
        expect(bytes.includes(Buffer.from(needle, 'utf16le')), `${needle} (utf16) in ${file}`).toBe(false);
      }
    }
  });

  it('keeps the data dir files private to their owner', () => {
    for (const f of ['bodhi.sqlite', 'encryption.key']) {
      expect(statSync(join(gw.home, f)).mode & 0o077).toBe(0);
    }
  });

  it('decrypts the key only for forwarding: a fresh process with another encryption key cannot use it', async () => {
    const list = await bodhi(['api-models', 'list', '--json'], { BODHI_HOME: gw.home, BODHI_ENCRYPTION_KEY: 'another-passphrase' });
    expect(list.code).toBe(0); // listing needs no decryption
    expect(list.stdout).not.toContain(apiKey);
  });

  it('never logs the key or the token', () => {
    const all = gw.logs.join('\n');
    expect(all).not.toContain(apiKey);
    expect(all).not.toContain(token);
  });
});

describe('secrets at rest on PostgreSQL', () => {
  let db: TestDatabase;
  let gw: TestGateway;
  const apiKey = 'sk-proj-PgAtRestCanary-51d2e8';
  const DB_PASSWORD = 'db-password-canary-77';
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase('secrets');
    // Trust auth ignores the password, which lets the test check where it (doesn't) show up.
    const url = new URL(db.url);
    url.password = DB_PASSWORD;
    gw = await startTestGateway({}, { BODHI_DATABASE_URL: url.toString(), BODHI_ENCRYPTION_KEY: 'a shared passphrase for the test' });
    await gw.addApiModel({ name: 'secret', api_format: 'openai', base_url: 'https://example.invalid/v1', api_key: apiKey, models: ['m'] });
    token = await gw.createToken('canary');
    await gw.call('/v1/models', { token });
    await gw.server.gateway.lastUsed.flush();
  });
  afterAll(async () => {
    await gw?.close();
    await db?.drop();
  });

  it('stores neither API keys nor tokens in plain text in any table', async () => {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const tables = await client.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public'");
      expect(tables.rows.map((r) => r.tablename)).toEqual(expect.arrayContaining(['api_models', 'tokens']));
      for (const { tablename } of tables.rows) {
        const rows = await client.query<{ row: string }>(`select t::text as row from "${tablename}" t`);
        const dump = rows.rows.map((r) => r.row).join('\n');
        for (const needle of [apiKey, token, token.slice('sk-bodhiapp_'.length), 'PgAtRestCanary']) {
          expect(dump.includes(needle), `${needle} in ${tablename}`).toBe(false);
        }
      }
    } finally {
      await client.end();
    }
  });

  it('never logs or shows the key, the token or the database password', async () => {
    const info = (await (await gw.call('/bodhi/v1/info')).json()) as { database: { kind: string; location: string } };
    expect(info.database.kind).toBe('postgres');
    expect(info.database.location).toContain(':***@127.0.0.1');
    const all = gw.logs.join('\n') + JSON.stringify(info);
    for (const secret of [apiKey, token, DB_PASSWORD]) expect(all).not.toContain(secret);
  });
});
