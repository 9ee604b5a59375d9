// `bodhi serve --workers 2`: a node:cluster primary and two worker processes on one port, on
// SQLite and on PostgreSQL. Both workers answer; what the CLI creates works at once on each;
// a token's rate limit holds across the workers (exactly its limit, not twice it); /metrics on
// any worker counts the whole server; SIGTERM lets an in-flight stream finish and every process
// exits.
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, parseWorkers } from '../../src/config.js';
import { bodhi } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { rawRequest } from '../support/raw-http.js';
import { waitFor } from '../support/wait.js';

interface Info {
  process: { pid: number; worker: number | null; workers: number };
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** A streamed POST read as it arrives, on its own connection. */
function streamCall(base: string, token: string, body: unknown) {
  const url = new URL(base);
  let onStarted!: () => void;
  const started = new Promise<void>((r) => (onStarted = r));
  const done = new Promise<{ text: string; complete: boolean }>((resolve) => {
    let text = '';
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: 'POST', path: '/v1/responses', agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => {
        res.on('data', (c: Buffer) => {
          text += c.toString();
          onStarted();
        });
        res.on('end', () => resolve({ text, complete: true }));
        res.on('error', () => resolve({ text, complete: false }));
      },
    );
    req.on('error', () => resolve({ text, complete: false }));
    req.end(JSON.stringify(body));
  });
  return { started, done };
}

describe('--workers / BODHI_WORKERS', () => {
  it('1 by default, a positive integer, or auto: one per core', () => {
    expect(parseWorkers(undefined)).toBe(1);
    expect(parseWorkers('')).toBe(1);
    expect(parseWorkers('3')).toBe(3);
    expect(parseWorkers('auto', 8)).toBe(8);
    expect(parseWorkers('AUTO', 1)).toBe(1);
    for (const bad of ['0', '-1', '1.5', 'many']) expect(() => parseWorkers(bad), bad).toThrow(/positive integer or 'auto'/);
    expect(loadConfig({}, {}).workers).toBe(1);
    expect(loadConfig({}, { BODHI_WORKERS: '2' }).workers).toBe(2);
    expect(loadConfig({ workers: '4' }, { BODHI_WORKERS: '2' }).workers).toBe(4);
  });
});

describe.each(['sqlite', 'postgres'] as const)('bodhi serve --workers 2 (%s)', (kind) => {
  let up: FakeUpstream;
  let pg: TestDatabase | undefined;
  let gp: GatewayProcess;
  let env: Record<string, string>;
  let admin: string;

  const cli = async (args: string[]) => {
    const res = await bodhi(args, env);
    expect(res.code, res.stderr).toBe(0);
    return res.stdout.trim();
  };
  const info = async (token: string) => {
    const res = await rawRequest(gp.url, { path: '/bodhi/v1/info', headers: { authorization: `Bearer ${token}` } });
    expect(res.status, res.body.toString()).toBe(200);
    return (JSON.parse(res.body.toString()) as Info).process;
  };

  beforeAll(async () => {
    up = await startFakeUpstream({ eventDelayMs: 40, textDeltas: 25 }); // ~1 s streams
    const key = randomBytes(32).toString('hex');
    pg = kind === 'postgres' ? await createTestDatabase('workers') : undefined;
    const db = pg ? ['--database-url', pg.url] : [];
    // A sync poll a minute away: only the check an unknown token triggers can find new ones.
    gp = await startGatewayProcess(['--workers', '2', ...db], { BODHI_SYNC_INTERVAL_MS: '60000', BODHI_ENCRYPTION_KEY: key, BODHI_LOCAL_BINDING: 'off', BODHI_SHUTDOWN_TIMEOUT_MS: '10000', BODHI_METRICS_PORT: '0', BODHI_WS_MAX_SESSIONS_PER_TOKEN: '2' });
    env = { BODHI_HOME: gp.home, BODHI_ENCRYPTION_KEY: key, BODHI_DATABASE_URL: pg?.url ?? '' };
    admin = await cli(['tokens', 'create', '--name', 'admin', '--scope', 'admin']);
    await cli(['api-models', 'add', '--name', 'up', '--format', 'openai_responses', '--base-url', up.url, '--api-key', up.apiKey, '--models', 'gpt-5']);
  }, 60_000);
  afterAll(async () => {
    await gp?.stop();
    await up?.close();
    await pg?.drop();
  });

  it('answers on one port from both workers (each connection goes to one of them)', async () => {
    const seen = [];
    for (let i = 0; i < 8; i++) seen.push(await info(admin));
    expect(new Set(seen.map((p) => p.worker))).toEqual(new Set([1, 2]));
    expect(new Set(seen.map((p) => p.pid)).size).toBe(2);
    expect(seen.every((p) => p.workers === 2 && p.pid !== gp.child.pid)).toBe(true);
  });

  it('a token created by the CLI while it runs works at once on both workers', async () => {
    const workers = new Set<number | null>();
    for (let i = 0; i < 4; i++) {
      const token = await cli(['tokens', 'create', '--name', `fresh-${i}`, '--scope', 'admin']);
      // Two connections right away: round-robin gives them to different workers.
      const [a, b] = await Promise.all([info(token), info(token)]);
      workers.add(a.worker).add(b.worker);
    }
    expect(workers).toEqual(new Set([1, 2]));
  });

  it('a rate limit holds across the workers: exactly 5 of 20 concurrent requests get through', async () => {
    const token = await cli(['tokens', 'create', '--name', 'limited', '--rate-limit-rpm', '5']);
    const results = await Promise.all(Array.from({ length: 20 }, () => rawRequest(gp.url, { path: '/v1/models', headers: { authorization: `Bearer ${token}` } })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(15);
    const limited = results.find((r) => r.status === 429)!;
    expect(limited.headers['retry-after']).toBeDefined();
    expect(limited.headers['x-ratelimit-limit-requests']).toBe('5');
    // Both workers served this token's requests (their access-log lines say which).
    await waitFor(() => gp.logs.filter((l) => l.tokenName === 'limited' && l.msg === 'request').length === 20, 5_000, 'access log lines');
    expect(new Set(gp.logs.filter((l) => l.tokenName === 'limited' && l.msg === 'request').map((l) => l.worker))).toEqual(new Set([1, 2]));
  });

  it('WebSocket session limits hold across the workers: 2 per token, wherever the sessions land', async () => {
    const token = await cli(['tokens', 'create', '--name', 'ws-limited']);
    /** Opens a session; resolves with its socket, or with the close code when it was refused. */
    const open = () =>
      new Promise<{ ws: WebSocket; refused: number | null }>((resolve, reject) => {
        const ws = new WebSocket(`${gp.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: `Bearer ${token}` } });
        let settled = false;
        ws.on('error', reject);
        ws.on('close', (code) => {
          if (!settled) resolve({ ws, refused: code });
          settled = true;
        });
        // An admitted session stays open with nothing to say.
        ws.on('open', () => setTimeout(() => !settled && ((settled = true), resolve({ ws, refused: null })), 700));
      });
    const sessions = await Promise.all([open(), open(), open(), open()]);
    expect(sessions.map((s) => s.refused).sort()).toEqual([1013, 1013, null, null]);
    // A closed session gives its slot back.
    const admitted = sessions.filter((s) => s.refused === null);
    admitted[0]!.ws.close();
    await waitFor(async () => (await open().then((s) => (s.refused === null ? (s.ws.close(), true) : false))), 5_000, 'a slot freed by a closed session');
    admitted[1]!.ws.close();
  });

  it('/metrics on any worker counts the requests of both', async () => {
    const calls = 10;
    const made = await Promise.all(
      Array.from({ length: calls }, () =>
        rawRequest(gp.url, {
          method: 'POST',
          path: '/v1/responses',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-5', input: 'hi' }),
        }),
      ),
    );
    expect(made.map((r) => r.status)).toEqual(Array(calls).fill(200));
    const total = async () => {
      const res = await rawRequest(gp.url, { path: '/metrics', headers: { authorization: `Bearer ${admin}` } });
      expect(res.status).toBe(200);
      const text = res.body.toString();
      let sum = 0;
      for (const m of text.matchAll(/^bodhi_requests_total\{method="POST",route="\/v1\/responses",api_model="up",status="200"\} (\d+)$/gm)) sum += Number(m[1]);
      let histogram = 0;
      for (const m of text.matchAll(/^bodhi_request_duration_seconds_count\{method="POST",route="\/v1\/responses",api_model="up"\} (\d+)$/gm)) histogram += Number(m[1]);
      return { sum, histogram, text };
    };
    // Asked of several connections (so of both workers), the answer is the server's.
    for (let i = 0; i < 4; i++) {
      const { sum, histogram } = await total();
      expect(sum).toBe(calls);
      expect(histogram).toBe(calls);
    }
    // BODHI_METRICS_PORT: the primary's unauthenticated listener gives the same totals.
    const metricsPort = gp.logs.find((l) => String(l.msg).startsWith('Bodhi Gateway listening'))!.metricsPort as number;
    expect(metricsPort).toBeGreaterThan(0);
    const scraped = (await rawRequest(`http://127.0.0.1:${metricsPort}`, { path: '/metrics' })).body.toString();
    expect(scraped).toMatch(/^bodhi_requests_total\{method="POST",route="\/v1\/responses",api_model="up",status="200"\} 10$/m);
    // The request log is shared: both workers' rows are in the one store.
    let groups: { key: string | null; requests: number }[] = [];
    await waitFor(
      async () => {
        groups = (JSON.parse(await cli(['usage', '--by', 'api-model', '--json'])) as { groups: typeof groups }).groups;
        return groups.find((g) => g.key === 'up')?.requests === calls;
      },
      10_000,
      `the request log to hold the ${calls} calls (last seen: ${JSON.stringify(groups)})`,
      200,
    );
  });

  it('a rate limit holds over WebSocket too: the primary counts each response.create', async () => {
    // 3 a minute: the upgrade request and two responses; the third response is refused.
    const token = await cli(['tokens', 'create', '--name', 'ws-rpm', '--rate-limit-rpm', '3']);
    const ws = new WebSocket(`${gp.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: `Bearer ${token}` } });
    const frames: { type?: string; status?: number }[] = [];
    ws.on('message', (data) => frames.push(JSON.parse(String(data)) as { type?: string; status?: number }));
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    const turnEnds = (f: { type?: string }) => f.type === 'response.completed' || f.type === 'error';
    const outcomes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const before = frames.filter(turnEnds).length;
      ws.send(JSON.stringify({ type: 'response.create', model: 'gpt-5', input: `turn ${i}` }));
      await waitFor(() => frames.filter(turnEnds).length > before, 10_000, `turn ${i} to end`);
      const end = frames.filter(turnEnds).at(-1)!;
      outcomes.push(end.type === 'error' ? `error ${end.status}` : 'completed');
    }
    ws.close();
    expect(outcomes).toEqual(['completed', 'completed', 'error 429']);
  });

  it('a worker that dies is logged and restarted; the port answers throughout', async () => {
    const pids = new Map<number | null, number>();
    for (let i = 0; i < 4; i++) {
      const p = await info(admin);
      pids.set(p.worker, p.pid);
    }
    const victim = pids.get(2)!;
    process.kill(victim, 'SIGKILL');
    await gp.waitForLog((l) => l.msg === 'worker died; restarting it' && l.pid === victim && l.signal === 'SIGKILL', 5_000);
    // Meanwhile the other worker takes every connection, and a scrape does not wait for the
    // worker being restarted (only started workers are asked for their registries).
    for (let i = 0; i < 3; i++) expect((await info(admin)).worker).toBe(1);
    const scrapeStarted = performance.now();
    const scrape = await rawRequest(gp.url, { path: '/metrics', headers: { authorization: `Bearer ${admin}` } });
    expect(scrape.status, scrape.body.toString()).toBe(200);
    expect(performance.now() - scrapeStarted).toBeLessThan(2_000);
    await gp.waitForLog((l) => l.msg === 'worker 2 serving' && l.pid !== victim, 30_000);
    const after = new Map<number | null, number>();
    for (let i = 0; i < 6; i++) {
      const p = await info(admin);
      after.set(p.worker, p.pid);
    }
    expect(after.get(1)).toBe(pids.get(1));
    expect(after.get(2)).toBeDefined();
    expect(after.get(2)).not.toBe(victim);
  }, 45_000);

  it('SIGTERM to the primary: an in-flight stream finishes, every process exits 0', async () => {
    const workers = new Set<number>();
    for (let i = 0; i < 6; i++) workers.add((await info(admin)).pid);
    expect(workers.size).toBe(2);
    const stream = streamCall(gp.url, admin, { model: 'gpt-5', input: 'long', stream: true });
    await stream.started;
    const exited = new Promise<number | null>((resolve) => gp.child.once('exit', (code) => resolve(code)));
    gp.child.kill('SIGTERM');
    const result = await stream.done;
    expect(result.complete).toBe(true);
    expect(result.text).toContain('response.completed');
    expect(await exited).toBe(0);
    expect(gp.logs.filter((l) => l.msg === 'worker stopped').map((l) => l.code)).toEqual([0, 0]);
    await waitFor(() => [...workers].every((pid) => !alive(pid)), 5_000, 'workers exited');
  }, 30_000);
});
