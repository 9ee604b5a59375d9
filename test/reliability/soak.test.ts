// Soak: 200 concurrent clients mix normal and faulty traffic against a real `bodhi serve`
// process for a bounded time: JSON and streamed calls, clients that leave mid-stream or before
// the headers, upstreams that fail (500, resets mid-body and mid-stream, slow headers past the
// timeout, connection refused), bad input, bad tokens, rate-limited tokens, id-only calls.
// Every answer must be one the scenario allows (never a gateway 500); afterwards the gateway
// serves normally, its heap and RSS are back near their baseline and its open handles are
// exactly the ones it started with.
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { Agent, fetch as undiciFetch, type Response as UndiciResponse } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countResources, startChildGateway, type ChildGateway, type ProcessStats } from '../support/child-gateway.js';
import { bodhi } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { tempHome } from '../support/gateway.js';
import { sleep, waitFor } from '../support/wait.js';

const SOAK_MS = Number(process.env.BODHI_SOAK_MS ?? 8_000);
const CLIENTS = 200;
const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

type Outcome = string;

describe('soak: mixed normal and faulty traffic at high concurrency', () => {
  let home: string;
  let gw: ChildGateway;
  const fakes: FakeUpstream[] = [];
  let admin: string;
  let user: string;
  let limited: string;
  let agent: Agent;
  let baseline: ProcessStats;
  const knownIds: string[] = [];

  const counts = new Map<string, number>();
  const unexpected: string[] = [];
  let total = 0;

  beforeAll(async () => {
    home = tempHome();
    const healthy = await startFakeUpstream({ eventDelayMs: 2, textDeltas: 8 });
    const failing = await startFakeUpstream();
    failing.setFault({ status: 500 });
    const cutting = await startFakeUpstream({ eventDelayMs: 2 });
    cutting.setFault({ resetMidBodyAfterBytes: 40, resetMidStreamAfterEvents: 3 });
    const slow = await startFakeUpstream();
    slow.setFault({ slowHeadersMs: 30_000 });
    fakes.push(healthy, failing, cutting, slow);
    const refusedPort = await new Promise<number>((resolve) => {
      const s = createServer();
      s.listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });

    const cli = async (...args: string[]) => (await bodhi([...args, '--home', home])).stdout.trim();
    admin = await cli('tokens', 'create', '--name', 'admin', '--scope', 'admin');
    user = await cli('tokens', 'create', '--name', 'user');
    limited = await cli('tokens', 'create', '--name', 'limited', '--rate-limit-rpm', '200');
    gw = await startChildGateway({
      home,
      // Healthy upstreams share this process with 200 clients: on a busy 2-core machine a burst
      // of their answers was seen to take over 3 s (with the same gateway build that passed
      // elsewhere). The slow upstream still never answers within this timeout.
      env: { BODHI_UPSTREAM_HEADERS_TIMEOUT_MS: '10000', BODHI_BODY_LIMIT_BYTES: String(256 * 1024), BODHI_LOG_LEVEL: 'warn' },
    });
    const setup = new Agent();
    const add = (name: string, api_format: string, base_url: string, models: string[], api_key?: string) =>
      undiciFetch(`${gw.url}/bodhi/v1/api-models`, {
        dispatcher: setup,
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, api_format, base_url, models, api_key }),
      }).then((r) => expect(r.status).toBe(201));
    await add('ok-responses', 'openai_responses', healthy.url, ['gpt-5'], healthy.apiKey);
    await add('ok-chat', 'openai', healthy.url, ['gpt-4o', 'text-embedding-3-small'], healthy.apiKey);
    await add('failing', 'openai', failing.url, ['m-500'], failing.apiKey);
    await add('cutting', 'openai_responses', cutting.url, ['m-cut'], cutting.apiKey);
    await add('slow', 'openai', slow.url, ['m-slow'], slow.apiKey);
    await add('refused', 'openai', `http://127.0.0.1:${refusedPort}/v1`, ['m-refused']);
    await setup.close();

    // Warm up with every scenario, then take the baseline with no client connection open.
    agent = new Agent({ connections: null, keepAliveTimeout: 30_000 });
    await Promise.all(Array.from({ length: 40 }, (_, i) => runScenario(i % SCENARIOS.length)));
    await agent.close();
    counts.clear();
    unexpected.length = 0;
    total = 0;
    baseline = await settledStats();
    expect(countResources(baseline.resources).TCPSocketWrap ?? 0).toBe(0); // no connection, no request in flight
    agent = new Agent({ connections: null, keepAliveTimeout: 30_000 });
  }, 60_000);

  afterAll(async () => {
    await agent?.close().catch(() => undefined);
    await gw?.kill();
    await Promise.all(fakes.map((f) => f.close()));
    rmSync(home, { recursive: true, force: true });
  });

  /**
   * Stats once the gateway has no client connection, no request in flight and no file write
   * under way (bounded wait). A log chunk being written shows up as an FSReqCallback for a
   * moment; caught in the baseline, it made the later comparison fail for no leak at all.
   */
  async function settledStats(expected?: Record<string, number>): Promise<ProcessStats> {
    let stats = await gw.stats(true);
    await waitFor(
      async () => {
        stats = await gw.stats(true);
        const counts = countResources(stats.resources);
        return expected ? JSON.stringify(counts) === JSON.stringify(expected) : (counts.TCPSocketWrap ?? 0) === 0 && !counts.FSReqCallback;
      },
      15_000,
      'the gateway to settle',
      100,
    ).catch(() => undefined); // the assertions below say what is off
    return stats;
  }

  const headers = (token: string | null = user, extra: Record<string, string> = {}) => ({
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    'content-type': 'application/json',
    ...extra,
  });
  const post = (path: string, body: string | object, init: { token?: string | null; signal?: AbortSignal; contentType?: string } = {}) =>
    undiciFetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: headers(init.token === undefined ? user : init.token, init.contentType ? { 'content-type': init.contentType } : {}),
      body: typeof body === 'string' ? body : JSON.stringify(body),
      signal: init.signal,
      dispatcher: agent,
    });
  const get = (path: string, token: string | null = user) => undiciFetch(`${gw.url}${path}`, { headers: headers(token), dispatcher: agent });

  /** Status plus, for errors, the envelope's code: `502:upstream_unavailable`. */
  async function describeAnswer(res: UndiciResponse): Promise<Outcome> {
    const text = await res.text();
    if (res.status < 400) return String(res.status);
    try {
      const err = (JSON.parse(text) as { error: { code: string | null; type: string } }).error;
      return `${res.status}:${err.code ?? err.type}`;
    } catch {
      return `${res.status}:not-json`;
    }
  }

  async function readStream(res: UndiciResponse): Promise<Outcome> {
    let text = '';
    try {
      for await (const chunk of res.body!) text += Buffer.from(chunk).toString();
    } catch {
      return `${res.status}:cut`;
    }
    return text.includes('response.completed') || text.includes('[DONE]') ? `${res.status}:complete` : `${res.status}:incomplete`;
  }

  /** Each scenario returns its outcome; `allowed` lists the outcomes it may have. */
  const SCENARIOS: { name: string; allowed: Outcome[]; run(): Promise<Outcome> }[] = [
    {
      name: 'responses json',
      allowed: ['200'],
      async run() {
        const res = await post('/v1/responses', { model: 'gpt-5', input: 'soak' });
        const text = await res.text();
        if (res.status === 200 && knownIds.length < 500) knownIds.push((JSON.parse(text) as { id: string }).id);
        return String(res.status);
      },
    },
    { name: 'responses stream', allowed: ['200:complete'], run: async () => readStream(await post('/v1/responses', { model: 'gpt-5', input: 'soak', stream: true })) },
    { name: 'chat stream', allowed: ['200:complete'], run: async () => readStream(await post('/v1/chat/completions', { model: 'gpt-4o', messages: [], stream: true })) },
    { name: 'embeddings', allowed: ['200'], run: async () => describeAnswer(await post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'soak' })) },
    {
      name: 'leave mid-stream',
      allowed: ['left'],
      async run() {
        const ac = new AbortController();
        const res = await post('/v1/responses', { model: 'gpt-5', input: 'soak', stream: true }, { signal: ac.signal });
        const reader = res.body!.getReader();
        await reader.read();
        ac.abort();
        await reader.read().catch(() => undefined);
        return 'left';
      },
    },
    {
      name: 'leave before headers',
      allowed: ['left'],
      async run() {
        const ac = new AbortController();
        const pending = post('/v1/chat/completions', { model: 'm-slow', messages: [] }, { signal: ac.signal }).catch(() => undefined);
        await sleep(30 + Math.random() * 100);
        ac.abort();
        await pending;
        return 'left';
      },
    },
    { name: 'upstream 500', allowed: ['500:server_error'], run: async () => describeAnswer(await post('/v1/chat/completions', { model: 'm-500', messages: [] })) },
    { name: 'upstream cut mid-json', allowed: ['200:cut'], run: async () => readStream(await post('/v1/responses', { model: 'm-cut', input: 'x' })) },
    { name: 'upstream cut mid-stream', allowed: ['200:cut'], run: async () => readStream(await post('/v1/responses', { model: 'm-cut', input: 'x', stream: true })) },
    { name: 'upstream slow headers', allowed: ['504:upstream_timeout'], run: async () => describeAnswer(await post('/v1/chat/completions', { model: 'm-slow', messages: [] })) },
    { name: 'upstream refused', allowed: ['502:upstream_unavailable'], run: async () => describeAnswer(await post('/v1/chat/completions', { model: 'm-refused', messages: [] })) },
    { name: 'malformed json', allowed: ['400:invalid_json'], run: async () => describeAnswer(await post('/v1/responses', '{"model":"gpt-5",')) },
    { name: 'not json', allowed: ['415:unsupported_media_type'], run: async () => describeAnswer(await post('/v1/responses', 'model=gpt-5', { contentType: 'text/plain' })) },
    { name: 'model not a string', allowed: ['400:invalid_type'], run: async () => describeAnswer(await post('/v1/chat/completions', { model: 42 })) },
    { name: 'too large', allowed: ['413:request_too_large'], run: async () => describeAnswer(await post('/v1/embeddings', { model: 'text-embedding-3-small', input: 'x'.repeat(300 * 1024) })) },
    { name: 'hostile id', allowed: ['400:invalid_response_id'], run: async () => describeAnswer(await get('/v1/responses/..%2F..%2Fbodhi?model=gpt-5')) },
    { name: 'bad token', allowed: ['401:invalid_token'], run: async () => describeAnswer(await get('/v1/models', 'sk-bodhiapp_' + 'x'.repeat(43))) },
    { name: 'wrong scope', allowed: ['403:insufficient_scope'], run: async () => describeAnswer(await get('/bodhi/v1/tokens')) },
    { name: 'rate limited token', allowed: ['200', '429:rate_limit_exceeded'], run: async () => describeAnswer(await get('/v1/models', limited)) },
    {
      name: 'id-only call',
      allowed: ['200'],
      run: async () => describeAnswer(await get(`/v1/responses/${knownIds[Math.floor(Math.random() * knownIds.length)] ?? 'resp_none'}?model=gpt-5`)),
    },
  ];

  async function runScenario(i: number): Promise<void> {
    const s = SCENARIOS[i]!;
    let outcome: Outcome;
    try {
      outcome = await s.run();
    } catch (err) {
      outcome = `threw:${(err as Error).message}`;
    }
    total++;
    const key = `${s.name} -> ${outcome}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (!s.allowed.includes(outcome) && unexpected.length < 20) unexpected.push(key);
  }

  it(`${CLIENTS} clients for ${SOAK_MS / 1000} s: every answer is an allowed one, never a gateway 500`, async () => {
    const until = Date.now() + SOAK_MS;
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, gw.memory().rss)), 100);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (Date.now() < until) await runScenario(Math.floor(Math.random() * SCENARIOS.length));
      }),
    );
    clearInterval(sampler);
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `soak: ${total} requests in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s) from ${CLIENTS} clients; baseline RSS ${mib(baseline.rss)}, peak ${mib(peakRss)}\n` +
        [...counts].sort().map(([k, n]) => `  ${k}: ${n}`).join('\n'),
    );
    expect(unexpected).toEqual([]);
    expect(total).toBeGreaterThan(CLIENTS * 5);
    for (const s of SCENARIOS) expect([...counts.keys()].some((k) => k.startsWith(`${s.name} ->`)), s.name).toBe(true);
    expect(gw.stdout() + gw.stderr()).not.toContain('unhandled error');
  }, SOAK_MS + 60_000);

  it('afterwards: open handles are back to the start count, heap and RSS back near baseline', async () => {
    await agent.close();
    const after = await settledStats(countResources(baseline.resources));
    console.log(
      `after soak (GC'd): RSS ${mib(baseline.rss)} -> ${mib(after.rss)}, heap ${mib(baseline.heapUsed)} -> ${mib(after.heapUsed)}, ` +
        `handles ${JSON.stringify(countResources(baseline.resources))} -> ${JSON.stringify(countResources(after.resources))}`,
    );
    expect(countResources(after.resources)).toEqual(countResources(baseline.resources));
    expect(after.heapUsed - baseline.heapUsed).toBeLessThan(8 * MiB);
    expect(after.rss - baseline.rss).toBeLessThan(64 * MiB);
  }, 30_000);

  it('afterwards: the gateway serves normally', async () => {
    agent = new Agent();
    const json = await post('/v1/responses', { model: 'gpt-5', input: 'after' });
    expect(json.status).toBe(200);
    await json.text();
    expect(await readStream(await post('/v1/responses', { model: 'gpt-5', input: 'after', stream: true }))).toBe('200:complete');
    expect((await get('/health', null)).status).toBe(200);
  });
});
