// Traffic with known usage through the gateway, then the exact numbers in the request log,
// the usage summaries (API and CLI) and /metrics.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodhi } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { waitUntil } from '../support/wait.js';

const USAGE = { input_tokens: 11, output_tokens: 7, reasoning_tokens: 3, cached_tokens: 2 };
type Json = Record<string, any>;

/** Reads one sample from Prometheus text, e.g. metric('bodhi_requests_total', {status: '200'}). */
function metric(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name + '{') && !line.startsWith(name + ' ')) continue;
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe('request log, usage and metrics', () => {
  let gw: TestGateway;
  let up: FakeUpstream;
  let alice: OpenAI;
  let bob: OpenAI;
  let aliceToken: string;
  /** alice's calls: 4 creates plus however many polls the background response took. */
  let aliceCalls = 4;

  beforeAll(async () => {
    up = await startFakeUpstream({ usage: USAGE, eventDelayMs: 1, backgroundStepMs: 30 });
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'res', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
    await gw.addApiModel({ name: 'chat', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-4o', 'embed-small'] });
    await gw.addApiModel({ name: 'dead', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', models: ['dead-model'] });
    aliceToken = await gw.createToken('alice');
    const bobToken = await gw.createToken('bob');
    const client = (apiKey: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey, maxRetries: 0 });
    alice = client(aliceToken);
    bob = client(bobToken);

    // alice: 2 JSON creates, 1 streamed create, 1 background create polled past completion
    await alice.responses.create({ model: 'gpt-5', input: 'one' });
    await alice.responses.create({ model: 'gpt-5', input: 'two' });
    for await (const _ of await alice.responses.create({ model: 'gpt-5', input: 'three', stream: true })) void _;
    const bg = await alice.responses.create({ model: 'gpt-5', input: 'four', background: true });
    let polled = bg;
    for (let i = 0; i < 50 && polled.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      polled = await alice.responses.retrieve(bg.id);
      aliceCalls++;
    }
    expect(polled.status).toBe('completed');
    await alice.responses.retrieve(bg.id); // later polls repeat the usage: must not count again
    aliceCalls += 2;
    await alice.responses.retrieve(bg.id);

    // bob: chat JSON, chat stream with include_usage, chat stream without, embeddings, a 404, a 502
    await bob.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    const s1 = await bob.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'a' }], stream: true, stream_options: { include_usage: true } });
    for await (const _ of s1) void _;
    const s2 = await bob.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'b' }], stream: true });
    for await (const _ of s2) void _;
    await bob.embeddings.create({ model: 'embed-small', input: ['one two three', 'four'], encoding_format: 'float' });
    await bob.chat.completions.create({ model: 'nope', messages: [] }).catch(() => undefined);
    await bob.chat.completions.create({ model: 'dead-model', messages: [] }).catch(() => undefined);
    // Rows of polls wait for their usage claim; wait until every call has its row.
    const gateway = gw.server.gateway;
    await waitUntil(async () => {
      await gateway.requestLog.flush();
      return (await gateway.store.listRequestLogs({ limit: 100 })).length >= aliceCalls + 6;
    }, 5_000);
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('writes one request-log row per /v1 call with usage read from JSON and SSE', async () => {
    const rows = await gw.server.gateway.store.listRequestLogs({ limit: 100 });
    expect(rows).toHaveLength(aliceCalls + 6);
    const creates = rows.filter((r) => r.route === '/v1/responses');
    expect(creates).toHaveLength(4);
    for (const r of creates) {
      expect(r).toMatchObject({ tokenName: 'alice', method: 'POST', model: 'gpt-5', apiModelName: 'res', status: 200, outcome: 'completed', responseId: expect.stringMatching(/^resp_/) });
      expect(r.durationMs).toBeGreaterThan(0);
      expect(r.ttfbMs).toBeGreaterThan(0);
      expect(r.ttfbMs!).toBeLessThanOrEqual(r.durationMs);
    }
    const streamed = creates.find((r) => r.stream)!;
    expect(streamed).toMatchObject({ inputTokens: 11, outputTokens: 7, reasoningTokens: 3, cachedTokens: 2, usageCounted: true });
    const background = creates.find((r) => r.inputTokens === null)!;
    expect(background.usageCounted).toBe(false);

    const polls = rows.filter((r) => r.route === '/v1/responses/:id' && r.inputTokens === 11);
    expect(polls.length).toBeGreaterThanOrEqual(3);
    expect(polls.filter((r) => r.usageCounted)).toHaveLength(1);
    expect(polls.every((r) => r.model === 'gpt-5' && r.responseId === background.responseId)).toBe(true);

    const chats = rows.filter((r) => r.route === '/v1/chat/completions' && r.status === 200);
    expect(chats.map((r) => [r.stream, r.inputTokens, r.usageCounted]).sort()).toEqual(
      [
        [false, 11, true],
        [true, 11, true],
        [true, null, false],
      ].sort(),
    );
    const emb = rows.find((r) => r.route === '/v1/embeddings')!;
    expect(emb).toMatchObject({ inputTokens: 4, outputTokens: 0, usageCounted: true });
    expect(rows.find((r) => r.model === 'nope')).toMatchObject({ status: 404, outcome: 'rejected', apiModelName: null });
    expect(rows.find((r) => r.model === 'dead-model')).toMatchObject({ status: 502, outcome: 'upstream_failed', ttfbMs: null });
  });

  it('summarises usage by model, token and API model with each response counted once', async () => {
    const byModel = (await (await gw.call('/bodhi/v1/usage?since=1h&by=model')).json()) as Json;
    const g = (key: string) => byModel.groups.find((x: Json) => x.key === key);
    expect(g('gpt-5')).toMatchObject({ input_tokens: 44, output_tokens: 28, reasoning_tokens: 12, cached_tokens: 8, total_tokens: 72, errors: 0 });
    expect(g('gpt-4o')).toMatchObject({ requests: 3, input_tokens: 22, output_tokens: 14, reasoning_tokens: 6, cached_tokens: 4 });
    expect(g('embed-small')).toMatchObject({ requests: 1, input_tokens: 4, output_tokens: 0 });
    expect(byModel.totals).toMatchObject({ requests: aliceCalls + 6, errors: 2, input_tokens: 70, output_tokens: 42 });

    const byToken = (await (await gw.call('/bodhi/v1/usage?since=1h&by=token')).json()) as Json;
    expect(byToken.groups.find((x: Json) => x.key === 'alice')).toMatchObject({ input_tokens: 44, output_tokens: 28 });
    expect(byToken.groups.find((x: Json) => x.key === 'bob')).toMatchObject({ requests: 6, errors: 2, input_tokens: 26, output_tokens: 14 });

    const byApi = (await (await gw.call('/bodhi/v1/usage?since=1h&by=api-model&bucket=1m')).json()) as Json;
    expect(byApi.groups.find((x: Json) => x.key === 'res')).toMatchObject({ input_tokens: 44 });
    expect(byApi.groups.find((x: Json) => x.key === 'chat')).toMatchObject({ input_tokens: 26 });
    expect(byApi.series.bucket_seconds).toBe(60);
    const seriesTokens = byApi.series.data.reduce((n: number, b: Json) => n + b.input_tokens, 0);
    expect(seriesTokens).toBe(70);
  });

  it('rejects bad usage queries with 400 naming the parameter, and non-admins with 403', async () => {
    for (const [q, param] of [
      ['since=yesterday', 'since'],
      ['by=color', 'by'],
      ['bucket=7x', 'bucket'],
    ]) {
      const res = await gw.call(`/bodhi/v1/usage?${q}`);
      expect(res.status, q).toBe(400);
      expect(((await res.json()) as Json).error.param).toBe(param);
    }
    expect((await gw.call('/bodhi/v1/usage', { token: aliceToken })).status).toBe(403);
  });

  it('prints the same numbers from `bodhi usage`', async () => {
    const json = await bodhi(['usage', '--since', '1h', '--by', 'token', '--json'], { BODHI_HOME: gw.home });
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout) as Json;
    expect(summary.groups.find((x: Json) => x.key === 'alice')).toMatchObject({ input_tokens: 44, output_tokens: 28, reasoning_tokens: 12, cached_tokens: 8 });
    const table = await bodhi(['usage', '--since', '1h'], { BODHI_HOME: gw.home });
    expect(table.stdout).toMatch(/KEY\s+REQUESTS\s+ERRORS\s+INPUT_TOKENS/);
    expect(table.stdout).toMatch(/gpt-5\s+\d+\s+0\s+44\s+28\s+12\s+8\s+72/);
    expect(table.stdout).toMatch(new RegExp(`TOTAL\\s+${aliceCalls + 6}\\s+2\\s+70\\s+42`));
    expect((await bodhi(['usage', '--by', 'colour'], { BODHI_HOME: gw.home })).code).not.toBe(0);
  });

  it('exposes Prometheus metrics to admins only, with the exact counts', async () => {
    expect((await gw.call('/metrics', { token: null })).status).toBe(401);
    expect((await gw.call('/metrics', { token: aliceToken })).status).toBe(403);
    const res = await gw.call('/metrics');
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(metric(text, 'bodhi_requests_total', { method: 'POST', route: '/v1/responses', api_model: 'res', status: '200' })).toBe(4);
    expect(metric(text, 'bodhi_requests_total', { method: 'POST', route: '/v1/chat/completions', api_model: 'chat', status: '200' })).toBe(3);
    expect(metric(text, 'bodhi_requests_total', { method: 'POST', route: '/v1/chat/completions', api_model: '', status: '404' })).toBe(1);
    expect(metric(text, 'bodhi_requests_total', { method: 'POST', route: '/v1/chat/completions', api_model: 'dead', status: '502' })).toBe(1);
    expect(metric(text, 'bodhi_upstream_errors_total', { api_model: 'dead', kind: 'refused' })).toBe(1);
    expect(metric(text, 'bodhi_model_tokens_total', { api_model: 'res', model: 'gpt-5', kind: 'input' })).toBe(44);
    expect(metric(text, 'bodhi_model_tokens_total', { api_model: 'res', model: 'gpt-5', kind: 'reasoning' })).toBe(12);
    expect(metric(text, 'bodhi_model_tokens_total', { api_model: 'chat', model: 'gpt-4o', kind: 'output' })).toBe(14);
    expect(metric(text, 'bodhi_request_duration_seconds_count', { method: 'POST', route: '/v1/responses', api_model: 'res' })).toBe(4);
    expect(metric(text, 'bodhi_upstream_time_to_headers_seconds_count', { method: 'POST', route: '/v1/responses', api_model: 'res' })).toBe(4);
    expect(metric(text, 'bodhi_active_streams', { api_model: 'res' })).toBe(0);
    expect(metric(text, 'bodhi_cache_lookups_total', { cache: 'token', result: 'hit' })).toBeGreaterThanOrEqual(aliceCalls + 6);
    expect(metric(text, 'bodhi_cache_lookups_total', { cache: 'model', result: 'miss' })).toBe(1);
    // Each id's first lookup reads the store; the polls after it are answered from the cache.
    expect(metric(text, 'bodhi_cache_lookups_total', { cache: 'response_route', result: 'hit' })).toBeGreaterThanOrEqual(2);
    expect(metric(text, 'bodhi_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts a stream as active while it is open', async () => {
    const stream = await alice.responses.create({ model: 'gpt-5', input: 'a b c d e f g h', stream: true });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const during = await (await gw.call('/metrics')).text();
    expect(metric(during, 'bodhi_active_streams', { api_model: 'res' })).toBe(1);
    for (let r = await it.next(); !r.done; r = await it.next());
    await waitUntil(async () => metric(await (await gw.call('/metrics')).text(), 'bodhi_active_streams', { api_model: 'res' }) === 0, 2_000);
  });

  it('prunes request-log rows older than the retention', async () => {
    const store = gw.server.gateway.store;
    const old = Date.now() - 40 * 86_400_000;
    await store.insertRequestLogs([
      { id: 'old-row', createdAt: old, tokenId: null, tokenName: null, method: 'GET', route: '/v1/models', model: null, apiModelId: null, apiModelName: null, router: null, upstreamModel: null, attempts: null, status: 200, durationMs: 1, ttfbMs: null, responseId: null, stream: false, outcome: 'served', inputTokens: null, outputTokens: null, reasoningTokens: null, cachedTokens: null, usageCounted: false },
    ]);
    expect((await store.listRequestLogs({ limit: 1000 })).some((r) => r.id === 'old-row')).toBe(true);
    expect(await gw.server.gateway.requestLog.prune()).toBe(1); // default retention: 30 days
    expect((await store.listRequestLogs({ limit: 1000 })).some((r) => r.id === 'old-row')).toBe(false);
  });
});

describe('unauthenticated metrics port', () => {
  it('serves /metrics on BODHI_METRICS_PORT without a token, and nothing else', async () => {
    const gw = await startTestGateway({ metricsPort: 0 });
    try {
      const port = gw.server.metricsPort!;
      const res = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('bodhi_requests_total');
      expect((await fetch(`http://127.0.0.1:${port}/v1/models`)).status).toBe(404);
    } finally {
      await gw.close();
    }
  });
});
