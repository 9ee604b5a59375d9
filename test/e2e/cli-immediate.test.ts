// What a CLI command created is usable the moment the command returns, on a running server
// whose poll is a minute away: a token, an API model, a router, a local alias; on SQLite and on
// PostgreSQL. And the fresh look at the store that makes this work is bounded: a flood of
// unknown tokens or model names costs at most one version read per MISS_CHECK_INTERVAL_MS.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_UNKNOWN } from '../../src/state/token-cache.js';
import { MISS_CHECK_INTERVAL_MS } from '../../src/state/config-sync.js';
import { bodhi } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { rawRequest } from '../support/raw-http.js';
import { writeTinyGguf } from '../support/tiny-gguf.js';

const ROUNDS = 4;

describe.each(['sqlite', 'postgres'] as const)('created by the CLI, usable at once (%s)', (kind) => {
  let up: FakeUpstream;
  let pg: TestDatabase | undefined;
  let gp: GatewayProcess;
  let env: Record<string, string>;
  let db: string[];

  beforeAll(async () => {
    up = await startFakeUpstream();
    const key = randomBytes(32).toString('hex');
    pg = kind === 'postgres' ? await createTestDatabase('cli_immediate') : undefined;
    db = pg ? ['--database-url', pg.url] : [];
    gp = await startGatewayProcess(db, { BODHI_SYNC_INTERVAL_MS: '60000', BODHI_ENCRYPTION_KEY: key, BODHI_LOCAL_BINDING: 'off' });
    env = { BODHI_HOME: gp.home, BODHI_ENCRYPTION_KEY: key, BODHI_DATABASE_URL: pg?.url ?? '' };
  }, 60_000);
  afterAll(async () => {
    await gp?.stop();
    await up?.close();
    await pg?.drop();
  });

  const cli = async (args: string[]) => {
    const res = await bodhi(args, env);
    expect(res.code, res.stderr).toBe(0);
    return res.stdout.trim();
  };

  it('a token, right after `bodhi tokens create`', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const token = await cli(['tokens', 'create', '--name', `t${i}`]);
      const res = await rawRequest(gp.url, { path: '/v1/models', headers: { authorization: `Bearer ${token}` } });
      expect(res.status, `round ${i}: ${res.body.toString()}`).toBe(200);
    }
  });

  it('an API model, right after `bodhi api-models add`', async () => {
    const token = await cli(['tokens', 'create', '--name', 'caller']);
    for (let i = 0; i < ROUNDS; i++) {
      const model = `gpt-new-${i}`;
      await cli(['api-models', 'add', '--name', `m${i}`, '--format', 'openai', '--base-url', up.url, '--api-key', up.apiKey, '--models', model]);
      const res = await rawRequest(gp.url, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status, `round ${i}: ${res.body.toString()}`).toBe(200);
      const listed = await rawRequest(gp.url, { path: `/v1/models/${model}`, headers: { authorization: `Bearer ${token}` } });
      expect(listed.status).toBe(200);
    }
  });

  it('a router, right after `bodhi routers add`, and its new name right after `bodhi routers update --name`', async () => {
    const token = await cli(['tokens', 'create', '--name', 'router-caller']);
    await cli(['api-models', 'add', '--name', 'behind-router', '--format', 'openai', '--base-url', up.url, '--api-key', up.apiKey, '--models', 'gpt-behind']);
    const chat = (model: string) =>
      rawRequest(gp.url, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
    for (let i = 0; i < 2; i++) {
      await cli(['routers', 'add', '--name', `team-${i}`, '--target', 'api_model=behind-router,model=gpt-behind']);
      const res = await chat(`team-${i}`);
      expect(res.status, `round ${i}: ${res.body.toString()}`).toBe(200);
    }
    await cli(['routers', 'update', 'team-0', '--name', 'team-renamed']);
    const renamed = await chat('team-renamed');
    expect(renamed.status, renamed.body.toString()).toBe(200);
  });

  it('a local alias, right after `bodhi aliases add` (resolved: llama.cpp is off here, so 503, not 404)', async () => {
    const token = await cli(['tokens', 'create', '--name', 'alias-caller']);
    const file = writeTinyGguf(join(gp.home, 'tiny.gguf'));
    for (let i = 0; i < 2; i++) {
      await cli(['aliases', 'add', '--name', `tiny-${i}`, '--model-file', file]);
      const res = await rawRequest(gp.url, {
        method: 'POST',
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: `tiny-${i}`, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status, res.body.toString()).toBe(503);
      expect(JSON.parse(res.body.toString()).error.code).toBe('local_inference_unavailable');
    }
  });
});

describe('unknown tokens and model names cannot hammer the store', () => {
  let gw: TestGateway;
  let token: string;
  let versionReads = 0;

  beforeAll(async () => {
    gw = await startTestGateway({ syncIntervalMs: 60_000 });
    token = await gw.createToken('known');
    const store = gw.server.gateway.store;
    const read = store.configVersion.bind(store);
    store.configVersion = () => {
      versionReads++;
      return read();
    };
  });
  afterAll(async () => {
    await gw?.close();
  });

  const unknownToken = () => 'sk-bodhiapp_' + randomBytes(32).toString('base64url');

  /** Sends `n` requests, `concurrency` at a time; returns the elapsed ms and the statuses seen. */
  async function flood(n: number, concurrency: number, send: (i: number) => Promise<number>) {
    const statuses = new Set<number>();
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < n) statuses.add(await send(next++));
      }),
    );
    return { ms: performance.now() - started, statuses };
  }

  const bound = (ms: number) => Math.ceil(ms / MISS_CHECK_INTERVAL_MS) + 2;

  it('a flood of distinct unknown tokens: 401s, and at most one version read per interval', async () => {
    versionReads = 0;
    const { ms, statuses } = await flood(400, 32, async () => (await gw.call('/v1/models', { token: unknownToken() })).status);
    expect([...statuses]).toEqual([401]);
    expect(versionReads).toBeGreaterThan(0);
    expect(versionReads).toBeLessThanOrEqual(bound(ms));
  });

  it('the same unknown token again and again: one version read, then answered from the negative cache', async () => {
    const same = unknownToken();
    expect((await gw.call('/v1/models', { token: same })).status).toBe(401);
    versionReads = 0;
    const { statuses } = await flood(300, 16, async () => (await gw.call('/v1/models', { token: same })).status);
    expect([...statuses]).toEqual([401]);
    expect(versionReads).toBe(0);
    expect(gw.server.gateway.tokens.unknownCount).toBeLessThanOrEqual(MAX_UNKNOWN);
  });

  it('a flood of unknown model names: 404s, and at most one version read per interval', async () => {
    versionReads = 0;
    const { ms, statuses } = await flood(400, 32, async (i) =>
      (await gw.call('/v1/chat/completions', { method: 'POST', token, json: { model: `no-such-model-${i}`, messages: [] } })).status,
    );
    expect([...statuses]).toEqual([404]);
    expect(versionReads).toBeGreaterThan(0);
    expect(versionReads).toBeLessThanOrEqual(bound(ms));
  });

  it('known tokens and models never wait for the store', async () => {
    await gw.addApiModel({ name: 'r', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-x', models: ['gpt-4o'] });
    versionReads = 0;
    await flood(200, 16, async () => (await gw.call('/v1/models/gpt-4o', { token })).status);
    expect(versionReads).toBe(0);
  });
});
