// Scale-out, end to end: two gateway PROCESSES on one PostgreSQL database, behind nginx running
// docs/nginx.conf.template, driven with the official SDK. The instances have their own data
// dirs but share BODHI_ENCRYPTION_KEY (API keys in the shared database are encrypted with it).
// Their periodic config poll is set to 30 s, so every sub-second propagation measured here is
// LISTEN/NOTIFY's doing.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodhi } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { tempHome } from '../support/gateway.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { startNginx, type Nginx } from '../support/nginx.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { waitUntil } from '../support/wait.js';

const UPSTREAM_KEY = 'sk-upstream-scaleout-SECRET-4242';
/** Measured propagation delays, printed at the end (and quoted in docs/deployment.md). */
const measured: Record<string, number> = {};

describe('two gateway processes on PostgreSQL behind nginx', () => {
  let pg: TestDatabase;
  let upstream: FakeUpstream;
  let otherUpstream: FakeUpstream;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let nginx: Nginx;
  let env: Record<string, string>;
  let userToken: string;
  let adminToken: string;
  let cliHome: string;

  const cli = async (args: string[]) => {
    const res = await bodhi(args, env);
    expect(res.code, res.stderr).toBe(0);
    return res.stdout.trim();
  };
  const client = (baseUrl: string, token = userToken) => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: token, maxRetries: 0, timeout: 10_000 });
  const call = (baseUrl: string, path: string, token: string, init: RequestInit = {}) =>
    fetch(baseUrl + path, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...init.headers } });
  /** Which instance nginx sent each logged request matching `needle` to. */
  const servedBy = (needle: string) =>
    nginx
      .accessLog()
      .filter((l) => l.includes(needle))
      .map((l) => /upstream=127\.0\.0\.1:(\d+)/.exec(l)?.[1]);

  beforeAll(async () => {
    pg = await createTestDatabase('scaleout');
    cliHome = tempHome('bodhi-cli-');
    upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, eventDelayMs: 25, backgroundStepMs: 150 });
    otherUpstream = await startFakeUpstream({ apiKey: 'sk-other-upstream' });
    env = {
      BODHI_DATABASE_URL: pg.url,
      BODHI_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      BODHI_SYNC_INTERVAL_MS: '30000',
      BODHI_HOME: cliHome,
      UPSTREAM_KEY,
    };
    // Configure through the CLI, against the shared database. Two Responses-format API models,
    // so an id-only call can't fall back to "the only one": routing records must do it.
    await cli(['api-models', 'add', '--name', 'responses', '--format', 'openai_responses', '--base-url', upstream.url, '--api-key-env', 'UPSTREAM_KEY', '--models', 'gpt-5', '--prefix', 'res/']);
    await cli(['api-models', 'add', '--name', 'other', '--format', 'openai_responses', '--base-url', otherUpstream.url, '--api-key', otherUpstream.apiKey, '--models', 'gpt-5', '--prefix', 'other/']);
    userToken = await cli(['tokens', 'create', '--name', 'app']);
    adminToken = await cli(['tokens', 'create', '--name', 'ops', '--scope', 'admin']);

    // The instances get the database through the flag (the CLI above used the variable).
    const instanceEnv = { BODHI_ENCRYPTION_KEY: env.BODHI_ENCRYPTION_KEY!, BODHI_SYNC_INTERVAL_MS: '30000', BODHI_DATABASE_URL: '' };
    [a, b] = await Promise.all([startGatewayProcess(['--database-url', pg.url], instanceEnv), startGatewayProcess(['--database-url', pg.url], instanceEnv)]);
    nginx = await startNginx([`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`]);
  }, 60_000);

  afterAll(async () => {
    await nginx?.stop();
    const codes = await Promise.all([a?.stop(), b?.stop()]);
    await Promise.all([upstream?.close(), otherUpstream?.close()]);
    await pg?.drop();
    rmSync(cliHome, { recursive: true, force: true });
    console.log(`scale-out measurements (ms): ${JSON.stringify(measured)}`);
    expect(codes).toEqual([0, 0]);
  }, 30_000);

  it('round-robins across both instances, each healthy on PostgreSQL', async () => {
    const before = nginx.accessLog().length;
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${nginx.url}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok', database: 'ok', store: 'postgres' });
    }
    const ports = nginx.accessLog().slice(before).map((l) => /upstream=127\.0\.0\.1:(\d+)/.exec(l)?.[1]);
    expect(new Set(ports)).toEqual(new Set([String(a.port), String(b.port)]));
    // The instances never print the database password or the upstream key.
    expect(JSON.stringify([...a.logs, ...b.logs])).not.toContain(UPSTREAM_KEY);
  });

  it('runs the SDK create / background poll / input_items / cancel / delete flow through nginx, with no ?model=', async () => {
    const sdk = client(nginx.url);
    const created = await sdk.responses.create({ model: 'res/gpt-5', input: 'long task', background: true });
    expect(['queued', 'in_progress']).toContain(created.status);
    let current = created;
    for (let i = 0; i < 100 && current.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 30));
      current = await sdk.responses.retrieve(created.id);
    }
    expect(current.status).toBe('completed');
    expect(current.output_text).toBe('Echo: long task');

    const items = await sdk.responses.inputItems.list(created.id);
    expect(items.data.length).toBeGreaterThan(0);

    const toCancel = await sdk.responses.create({ model: 'res/gpt-5', input: 'cancel me', background: true });
    expect((await sdk.responses.cancel(toCancel.id)).status).toBe('cancelled');

    const deleted = await sdk.responses.delete(created.id).asResponse();
    expect(deleted.status).toBe(200);
    const gone = await sdk.responses.retrieve(created.id).catch((e: unknown) => e);
    expect((gone as InstanceType<typeof OpenAI.APIError>).status).toBe(404);

    // The polls of one response went to both instances, and all reached the right upstream.
    expect(new Set(servedBy(created.id))).toEqual(new Set([String(a.port), String(b.port)]));
    expect(otherUpstream.requests.some((r) => r.url.includes(created.id) || r.url.includes(toCancel.id))).toBe(false);
    expect(upstream.requests.filter((r) => r.url.includes(created.id)).every((r) => !r.url.includes('model='))).toBe(true);
  });

  it('finds a response through B the moment A has answered its create (retrieve, cancel, delete)', async () => {
    const sdkA = client(a.url);
    const sdkB = client(b.url);
    let slowest = 0;
    for (let i = 0; i < 15; i++) {
      const created = await sdkA.responses.create({ model: 'res/gpt-5', input: `race ${i}`, background: i % 3 === 1 });
      const started = performance.now();
      if (i % 3 === 0) expect((await sdkB.responses.retrieve(created.id)).id).toBe(created.id);
      else if (i % 3 === 1) expect((await sdkB.responses.cancel(created.id)).status).toBe('cancelled');
      else expect((await sdkB.responses.delete(created.id).asResponse()).status).toBe(200);
      slowest = Math.max(slowest, performance.now() - started);
    }
    measured.crossInstanceFirstCallMaxMs = Math.round(slowest);
  });

  it('streams SSE through nginx as the events happen, byte for byte', async () => {
    const res = await call(nginx.url, '/v1/responses', userToken, { method: 'POST', body: JSON.stringify({ model: 'res/gpt-5', input: 'stream me', stream: true }) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    const chunks: { at: number; bytes: Buffer }[] = [];
    for await (const chunk of res.body! as unknown as AsyncIterable<Uint8Array>) chunks.push({ at: performance.now(), bytes: Buffer.from(chunk) });
    const body = Buffer.concat(chunks.map((c) => c.bytes));
    expect(body.equals(upstream.lastSentBody()!)).toBe(true);
    // 10+ events paced 25 ms apart upstream arrive spread out, not in one buffered lump.
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.at(-1)!.at - chunks[0]!.at).toBeGreaterThan(150);

    // And the SDK's stream helper works through nginx too, its replay by id included.
    const stream = client(nginx.url).responses.stream({ model: 'res/gpt-5', input: 'helper' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe('Echo: helper');
    const replay = await call(nginx.url, `/v1/responses/${final.id}?stream=true`, userToken);
    expect(replay.status).toBe(200);
    expect(await replay.text()).toContain('response.completed');
  });

  it('refuses on B, within 1 s, a token revoked through A (management API); a new token works on B as fast', async () => {
    const made = await call(a.url, '/bodhi/v1/tokens', adminToken, { method: 'POST', body: JSON.stringify({ name: 'short-lived' }) });
    expect(made.status).toBe(201);
    const { id, token } = (await made.json()) as { id: string; token: string };
    const modelsOnB = () => call(b.url, '/v1/models', token).then((r) => r.status);
    measured.tokenCreateAtoB = Math.round(await waitUntil(async () => (await modelsOnB()) === 200, 1_000, 2));

    const revoked = await call(a.url, `/bodhi/v1/tokens/${id}`, adminToken, { method: 'DELETE' });
    expect(revoked.status).toBe(200);
    measured.tokenRevokeAtoB = Math.round(await waitUntil(async () => (await modelsOnB()) === 401, 1_000, 2));
    const refused = await call(b.url, '/v1/models', token);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('token_revoked');
    expect(measured.tokenRevokeAtoB).toBeLessThan(1_000);
  });

  it('serves, on both instances within 1 s, an API model added with the CLI', async () => {
    const has = (gw: GatewayProcess) => async () => {
      const res = await call(gw.url, '/v1/models', userToken);
      return ((await res.json()) as { data: { id: string }[] }).data.some((m) => m.id === 'cli/gpt-5');
    };
    expect(await has(a)()).toBe(false);
    const spawned = performance.now();
    await cli(['api-models', 'add', '--name', 'cli-added', '--format', 'openai_responses', '--base-url', upstream.url, '--api-key-env', 'UPSTREAM_KEY', '--models', 'gpt-5', '--prefix', 'cli/', '--database-url', pg.url]);
    const committed = performance.now(); // the CLI exits after its transaction commits
    const [onA, onB] = await Promise.all([waitUntil(has(a), 1_000, 2), waitUntil(has(b), 1_000, 2)]);
    measured.cliModelAddToA = Math.round(onA);
    measured.cliModelAddToB = Math.round(onB);
    measured.cliProcessRunMs = Math.round(committed - spawned);
    const res = await client(nginx.url).responses.create({ model: 'cli/gpt-5', input: 'new model' });
    expect(res.output_text).toBe('Echo: new model');
  });

  it('keeps serving cached tokens and models while the database is unreachable, and recovers by itself', async () => {
    const sdk = client(nginx.url);
    const health = (gw: GatewayProcess) => fetch(`${gw.url}/health`).then(async (r) => ({ status: r.status, body: (await r.json()) as { database: string } }));

    // Outage for this database only: refuse new connections, kill the open ones.
    await pg.allowConnections(false);
    let createdDuringOutage: string;
    try {
      expect(await pg.terminateConnections()).toBeGreaterThan(0);
      await waitUntil(async () => (await health(a)).status === 503 && (await health(b)).status === 503, 5_000);
      expect((await health(b)).body.database).toBe('unreachable');

      // Token and model are cached: requests keep working through both instances.
      for (let i = 0; i < 4; i++) {
        const res = await sdk.responses.create({ model: 'res/gpt-5', input: `during outage ${i}` });
        expect(res.output_text).toBe(`Echo: during outage ${i}`);
      }
      const onA = await client(a.url).responses.create({ model: 'res/gpt-5', input: 'remember me later' });
      createdDuringOutage = onA.id;
      expect((await client(a.url).responses.retrieve(onA.id)).id).toBe(onA.id); // A's own cache
      // B can't know it yet: a clear, retryable 503 (never a 500).
      const onB = await call(b.url, `/v1/responses/${onA.id}`, userToken);
      expect(onB.status).toBe(503);
      expect(((await onB.json()) as { error: { code: string } }).error.code).toBe('database_unavailable');
      await a.waitForLog((l) => String(l.msg).startsWith('config notifications: connection lost'));
      await b.waitForLog((l) => String(l.msg).startsWith('config notifications: connection lost'));
    } finally {
      await pg.allowConnections(true);
    }
    const back = performance.now();

    // Both recover without help: pool, LISTEN connection, routing-record writes.
    await waitUntil(async () => (await health(a)).status === 200 && (await health(b)).status === 200, 5_000);
    await a.waitForLog((l) => l.msg === 'config notifications: listening again', 5_000);
    await b.waitForLog((l) => l.msg === 'config notifications: listening again', 5_000);
    measured.recoveryMs = Math.round(performance.now() - back);
    await waitUntil(async () => (await call(b.url, `/v1/responses/${createdDuringOutage}`, userToken)).status === 200, 5_000, 50);

    // Config changes are seen again, within 1 s, on both.
    await cli(['tokens', 'revoke', 'app']);
    const revokedAt = performance.now();
    await Promise.all(
      [a, b].map((gw) => waitUntil(async () => (await call(gw.url, '/v1/models', userToken)).status === 401, 1_000, 2)),
    );
    measured.revokeAfterRecoveryMs = Math.round(performance.now() - revokedAt);
    expect(a.child.exitCode).toBeNull();
    expect(b.child.exitCode).toBeNull();
  });
});
