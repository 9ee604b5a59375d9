// Several in-process gateways on one PostgreSQL database: config changes reach the others by
// notification (their poll is set to a minute here), an outage is logged once and ridden out
// on the caches, and a key mismatch is explained instead of breaking every reload.
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecretBox, keyFromSetting } from '../../src/crypto/secret-box.js';
import { startServer } from '../../src/app/start.js';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { waitUntil } from '../support/wait.js';

const logged = (gw: TestGateway, msg: string) => gw.logs.filter((l) => (JSON.parse(l) as { msg?: string }).msg === msg).length;

describe('gateway instances sharing PostgreSQL', () => {
  let pg: TestDatabase;
  let key: string;
  let a: TestGateway;
  let b: TestGateway;
  let fast: TestGateway;

  beforeAll(async () => {
    pg = await createTestDatabase('instances');
    key = randomBytes(32).toString('hex');
    const env = (interval: string) => ({ BODHI_DATABASE_URL: pg.url, BODHI_ENCRYPTION_KEY: key, BODHI_SYNC_INTERVAL_MS: interval });
    a = await startTestGateway({}, env('60000'));
    b = await startTestGateway({}, env('60000'));
    fast = await startTestGateway({}, env('50'));
  });
  afterAll(async () => {
    await Promise.all([a?.close(), b?.close(), fast?.close()]);
    await pg?.drop();
  });

  it('tells every instance about a change at once, by notification (the poll is a minute away)', async () => {
    const { token, view } = await a.server.gateway.tokenService.create({ name: `n-${randomUUID().slice(0, 6)}` });
    const seen = await waitUntil(async () => (await b.call('/v1/models', { token })).status === 200, 1_000, 2);
    expect(seen).toBeLessThan(1_000);
    await a.server.gateway.tokenService.revoke(view.id);
    await waitUntil(async () => (await b.call('/v1/models', { token })).status === 401, 1_000, 2);
  });

  it('logs an outage once, serves from cache meanwhile, and logs the recovery', async () => {
    const token = await fast.createToken(`o-${randomUUID().slice(0, 6)}`);
    await pg.allowConnections(false);
    try {
      await pg.terminateConnections();
      await waitUntil(() => logged(fast, 'config sync failed; serving from cache until the database is back') === 1, 5_000);
      // Many polls (every 50 ms) fail meanwhile; none of them logs again.
      await new Promise((r) => setTimeout(r, 400));
      expect(logged(fast, 'config sync failed; serving from cache until the database is back')).toBe(1);
      expect((await fast.call('/v1/models', { token })).status).toBe(200);
      const health = await fast.call('/health', { token: null });
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'degraded', database: 'unreachable', store: 'postgres' });
    } finally {
      await pg.allowConnections(true);
    }
    await waitUntil(() => logged(fast, 'config sync recovered') === 1, 5_000);
    expect((await fast.call('/health', { token: null })).status).toBe(200);
    expect(fast.logs.join('\n')).not.toContain('unhandled error');
  });

  it('leaves out, with a clear error, an API model whose key was encrypted with another key, and keeps loading the rest', async () => {
    // A CLI run with the wrong BODHI_ENCRYPTION_KEY, simulated with a store and a foreign key.
    const store = await openStore({ home: tmpdir(), databaseUrl: pg.url });
    const foreign = createSecretBox(keyFromSetting('not-the-shared-key'));
    const now = Date.now();
    await store.insertApiModel({ id: randomUUID(), name: 'wrong-key', apiFormat: 'openai', baseUrl: 'http://127.0.0.1:9/v1', apiKeyEnc: foreign.encrypt('sk-x'), models: ['wk'], prefix: null, forwardAll: false, openaiOrganization: null, openaiProject: null, websocket: null, createdAt: now, updatedAt: now });
    await store.close();
    await waitUntil(() => b.logs.some((l) => l.includes('API model left out') && l.includes('wrong-key')), 1_000);
    // Later changes still load.
    const { token } = await a.server.gateway.tokenService.create({ name: `after-${randomUUID().slice(0, 6)}` });
    await waitUntil(async () => (await b.call('/v1/models', { token })).status === 200, 1_000, 2);
  });

  it('refuses to start on PostgreSQL without BODHI_ENCRYPTION_KEY (a per-instance key file could not read the shared keys)', async () => {
    const config = loadConfig({ home: tmpdir(), port: 0, databaseUrl: pg.url }, {});
    await expect(startServer(config)).rejects.toThrow(/BODHI_ENCRYPTION_KEY/);
  });
});
