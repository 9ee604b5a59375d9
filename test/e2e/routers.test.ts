// Routers end to end, through real sockets: two fake upstreams (each its own API model and
// key) behind one model name, with faults injected into either: refused connections, 429 with
// retry-after, 500s that start a cooldown, a hang before headers, a stream that breaks mid-way
// (never retried), weights, and conversations (`previous_response_id`, id routes) that stay on
// the target that created them.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/store/types.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { waitFor } from '../support/wait.js';

function metric(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

describe('routers', () => {
  let gw: TestGateway;
  let a: FakeUpstream;
  let b: FakeUpstream;
  let token: string;
  let n = 0;

  beforeAll(async () => {
    [a, b] = await Promise.all([startFakeUpstream({ eventDelayMs: 1 }), startFakeUpstream({ eventDelayMs: 1 })]);
    gw = await startTestGateway({}, { BODHI_UPSTREAM_HEADERS_TIMEOUT_MS: '400' });
    for (const [name, up] of [['a', a], ['b', b]] as const) {
      await gw.addApiModel({ name: `chat-${name}`, api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: [`listed-${name}`] });
      await gw.addApiModel({ name: `res-${name}`, api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: [`res-listed-${name}`] });
    }
    await gw.addApiModel({ name: 'refused', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', models: ['listed-refused'] });
    token = await gw.createToken('router-user');
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([a?.close(), b?.close()]);
  });
  beforeEach(() => {
    a.setFault(null);
    b.setFault(null);
  });

  /** A fresh router (unique name) so health never carries over between tests. */
  async function router(input: Record<string, unknown>): Promise<string> {
    const name = `r${++n}`;
    const res = await gw.call('/bodhi/v1/routers', { method: 'POST', json: { name, ...input } });
    expect(res.status, await res.clone().text()).toBe(201);
    return name;
  }
  const chatTargets = (extra: Record<string, unknown>[] = [{}, {}]) => [
    { api_model: 'chat-a', model: 'gpt-a', ...extra[0] },
    { api_model: 'chat-b', model: 'gpt-b', ...extra[1] },
  ];
  const chat = (model: string, stream = false) =>
    gw.call('/v1/chat/completions', { method: 'POST', token, json: { model, stream, messages: [{ role: 'user', content: 'hi' }] } });
  const modelsSent = (up: FakeUpstream, from: number) =>
    up.requests.slice(from).map((r) => (JSON.parse(r.body.toString() || '{}') as { model?: string }).model);

  async function row(model: string): Promise<RequestLogEntry> {
    let found: RequestLogEntry[] = [];
    await waitFor(
      async () => {
        await gw.server.gateway.requestLog.flush();
        found = (await gw.server.gateway.store.listRequestLogs({ limit: 5_000 })).filter((r) => r.model === model);
        return found.length > 0;
      },
      5_000,
      `a request-log row for ${model}`,
    );
    return found[0]!;
  }

  it('sends the first target the client bytes with only model rewritten, and is listed in /v1/models', async () => {
    const name = await router({ targets: chatTargets() });
    const from = a.requests.length;
    const body = `{"model":${JSON.stringify(name)},  "messages":[{"role":"user","content":"hi"}],"x_extra":1}`;
    const res = await gw.call('/v1/chat/completions', { method: 'POST', token, body, headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    await res.text();
    expect(a.requests.slice(from).map((r) => r.body.toString())).toEqual([body.replace(JSON.stringify(name), '"gpt-a"')]);
    const models = (await (await gw.call('/v1/models', { token })).json()) as { data: { id: string; bodhi: Record<string, unknown> }[] };
    expect(models.data.find((m) => m.id === name)?.bodhi).toEqual({ kind: 'router', router: name, api_format: 'openai', targets: ['chat-a/gpt-a', 'chat-b/gpt-b'] });
    expect((await row(name)).router).toBe(name);
  });

  it('falls back on a refused connection and logs every attempt', async () => {
    const name = await router({ targets: [{ api_model: 'refused', model: 'x' }, { api_model: 'chat-b', model: 'gpt-b' }] });
    const res = await chat(name);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe('gpt-b');
    const logged = await row(name);
    expect(logged).toMatchObject({ router: name, apiModelName: 'chat-b', upstreamModel: 'gpt-b', status: 200 });
    expect(logged.attempts).toMatchObject([
      { api_model: 'refused', model: 'x', status: null, reason: 'refused' },
      { api_model: 'chat-b', model: 'gpt-b', status: 200, reason: null },
    ]);
    const text = await (await gw.call('/metrics')).text();
    expect(metric(text, 'bodhi_router_fallbacks_total', { router: name, target: 'refused/x', reason: 'refused' })).toBe(1);
    expect(metric(text, 'bodhi_router_requests_total', { router: name, target: 'chat-b/gpt-b', status: '200' })).toBe(1);
  });

  it('skips a target that answered 429 with retry-after for that long, then gives it one trial call', async () => {
    const name = await router({ targets: chatTargets() });
    a.setFault({ status: 429, headers: { 'retry-after-ms': '1500' }, body: '{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":null}}', times: 1 });
    const [fromA, fromB] = [a.requests.length, b.requests.length];
    expect((await chat(name)).status).toBe(200);
    expect((await chat(name)).status).toBe(200);
    // The 429 sent the first call on to b; the second skipped a entirely.
    expect(modelsSent(a, fromA)).toEqual(['gpt-a']);
    expect(modelsSent(b, fromB)).toEqual(['gpt-b', 'gpt-b']);
    let text = await (await gw.call('/metrics')).text();
    expect(metric(text, 'bodhi_router_target_healthy', { router: name, target: 'chat-a/gpt-a' })).toBe(0);
    expect(metric(text, 'bodhi_router_cooldowns_total', { router: name, target: 'chat-a/gpt-a' })).toBe(1);
    const listed = (await (await gw.call(`/bodhi/v1/routers/${name}`)).json()) as { targets: { healthy: boolean; cooling_until: string | null }[] };
    expect(listed.targets[0]).toMatchObject({ healthy: false, cooling_until: expect.any(String) });
    await new Promise((r) => setTimeout(r, 1_600));
    expect((await chat(name)).status).toBe(200);
    expect(modelsSent(a, fromA)).toEqual(['gpt-a', 'gpt-a']);
    text = await (await gw.call('/metrics')).text();
    expect(metric(text, 'bodhi_router_target_healthy', { router: name, target: 'chat-a/gpt-a' })).toBe(1);
  });

  it('cools a target down after failure_threshold failures within the window', async () => {
    const name = await router({ targets: chatTargets(), failure_threshold: 2, cooldown_ms: 60_000 });
    a.setFault({ status: 500, times: 2 });
    const fromA = a.requests.length;
    for (let i = 0; i < 4; i++) expect((await chat(name)).status).toBe(200);
    expect(a.requests.length - fromA).toBe(2);
    const text = await (await gw.call('/metrics')).text();
    expect(metric(text, 'bodhi_router_fallbacks_total', { router: name, target: 'chat-a/gpt-a', reason: 'http_500' })).toBe(2);
    expect(metric(text, 'bodhi_router_target_healthy', { router: name, target: 'chat-a/gpt-a' })).toBe(0);
  });

  it('falls back when the first target hangs before its headers', async () => {
    const name = await router({ targets: chatTargets() });
    a.setFault({ slowHeadersMs: 2_000, times: 1 });
    const res = await chat(name);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe('gpt-b');
    expect((await row(name)).attempts?.[0]).toMatchObject({ api_model: 'chat-a', status: null, reason: 'headers_timeout' });
  });

  it('never retries a stream that broke after bytes reached the client', async () => {
    const name = await router({ targets: chatTargets() });
    a.setFault({ resetMidStreamAfterEvents: 2, times: 1 });
    const fromB = b.requests.length;
    const res = await chat(name, true);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(b.requests.length).toBe(fromB);
    expect(await row(name)).toMatchObject({ outcome: 'upstream_broke', apiModelName: 'chat-a' });
  });

  it('gives the client the last upstream error verbatim when every target fails', async () => {
    const name = await router({ targets: chatTargets() });
    a.setFault({ status: 503, body: '{"error":{"message":"a is down"}}', times: 1 });
    b.setFault({ status: 500, body: '{"error":{"message":"b is down"}}', times: 1 });
    const res = await chat(name);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('{"error":{"message":"b is down"}}');
  });

  it('keeps an error an upstream sent over a later target that never answered', async () => {
    const name = await router({ targets: [{ api_model: 'chat-a', model: 'gpt-a' }, { api_model: 'refused', model: 'x' }] });
    a.setFault({ status: 429, body: '{"error":{"message":"a is busy"}}', times: 1 });
    const res = await chat(name);
    expect(res.status).toBe(429);
    expect(await res.text()).toBe('{"error":{"message":"a is busy"}}');
  });

  it("answers 502 in the surface's envelope when no target answered at all", async () => {
    const name = await router({ targets: [{ api_model: 'refused', model: 'x' }] });
    const res = await chat(name);
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');
  });

  it('answers 503 with retry-after when every target is cooling down', async () => {
    const name = await router({ targets: [{ api_model: 'chat-a', model: 'gpt-a' }], failure_threshold: 1, cooldown_ms: 30_000 });
    a.setFault({ status: 500, times: 1 });
    expect((await chat(name)).status).toBe(500);
    const res = await chat(name);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(25);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('router_unavailable');
  });

  it("frees a cooled-down target's one trial call when its answer's head arrives, not when a long stream ends", async () => {
    const slow = await startFakeUpstream({ eventDelayMs: 150 });
    try {
      await gw.addApiModel({ name: 'chat-slow', api_format: 'openai', base_url: slow.url, api_key: slow.apiKey, models: ['listed-slow'] });
      const name = await router({ targets: [{ api_model: 'chat-slow', model: 'gpt-slow' }], failure_threshold: 1, cooldown_ms: 200 });
      slow.setFault({ status: 500, times: 1 });
      expect((await chat(name)).status).toBe(500);
      await new Promise((r) => setTimeout(r, 250));
      // The trial call: a stream that takes a second or so.
      const streaming = await chat(name, true);
      expect(streaming.status).toBe(200);
      // Meanwhile the target takes calls again.
      const other = await chat(name);
      expect(other.status).toBe(200);
      await other.text();
      await streaming.text();
    } finally {
      await slow.close();
    }
  });

  it('bounds the tries by max_attempts', async () => {
    const name = await router({ targets: [{ api_model: 'refused', model: 'x' }, { api_model: 'chat-a', model: 'gpt-a' }, { api_model: 'chat-b', model: 'gpt-b' }], max_attempts: 1 });
    const fromA = a.requests.length;
    expect((await chat(name)).status).toBe(502);
    expect(a.requests.length).toBe(fromA);
  });

  it('shares calls by weight', async () => {
    const name = await router({ strategy: 'weighted', targets: chatTargets([{ weight: 1 }, { weight: 3 }]) });
    const [fromA, fromB] = [a.requests.length, b.requests.length];
    const total = 400;
    for (let i = 0; i < total; i += 20) await Promise.all(Array.from({ length: 20 }, async () => (await chat(name)).text()));
    const [toA, toB] = [a.requests.length - fromA, b.requests.length - fromB];
    expect(toA + toB).toBe(total);
    // Expected share 0.75 (sd 0.022 over 400 draws): +-0.09 is over 4 sd.
    expect(toB / total).toBeGreaterThan(0.66);
    expect(toB / total).toBeLessThan(0.84);
  });

  it('keeps the strict format rule with the spec texts', async () => {
    const name = await router({ targets: chatTargets() });
    const res = await gw.call('/v1/responses', { method: 'POST', token, json: { model: name, input: 'hi' } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      `Model '${name}' is not configured for Responses API format. Configure an alias with 'openai_responses' format.`,
    );
  });

  describe('conversations stay on the target that created them', () => {
    const resTargets = [
      { api_model: 'res-a', model: 'gpt-5' },
      { api_model: 'res-b', model: 'gpt-5' },
    ];
    const client = () => new OpenAI({ apiKey: token, baseURL: `${gw.url}/v1`, maxRetries: 0 });

    it('previous_response_id and id routes go to the creating target while its sibling is healthy', async () => {
      const name = await router({ strategy: 'weighted', targets: resTargets });
      // Find a response made by a: weights are even, so a few tries suffice.
      let first: OpenAI.Responses.Response | undefined;
      for (let i = 0; i < 40 && !first; i++) {
        const r = await client().responses.create({ model: name, input: 'hi' });
        if (a.responses.has(r.id)) first = r;
      }
      expect(first).toBeDefined();
      // Now b is the only one the weights would pick.
      await gw.call(`/bodhi/v1/routers/${name}`, { method: 'PUT', json: { targets: [{ ...resTargets[0], weight: 0 }, { ...resTargets[1], weight: 5 }] } });
      const fromB = b.requests.length;
      for (let i = 0; i < 5; i++) {
        const next = await client().responses.create({ model: name, input: 'more', previous_response_id: first!.id });
        expect(a.responses.has(next.id)).toBe(true);
      }
      expect((await client().responses.retrieve(first!.id)).id).toBe(first!.id);
      expect(b.requests.length).toBe(fromB);
    });

    it('a conversation stays on the target that first served it', async () => {
      const name = await router({ strategy: 'weighted', targets: resTargets });
      const conversation = `conv_${Math.random().toString(36).slice(2)}`;
      const sent = (up: FakeUpstream) => up.requests.filter((r) => r.body.toString().includes(conversation)).length;
      for (let i = 0; i < 12; i++) {
        const res = await gw.call('/v1/responses', { method: 'POST', token, json: { model: name, input: `turn ${i}`, conversation: i % 2 ? conversation : { id: conversation } } });
        expect(res.status).toBe(200);
        await res.text();
      }
      // Either all on a or all on b: with even weights, 12 free draws would split them.
      expect([sent(a), sent(b)].sort()).toEqual([0, 12]);
    });

    it('a pinned call gets its own target\'s error, even while that target cools down', async () => {
      const name = await router({ targets: resTargets, failure_threshold: 1, cooldown_ms: 60_000 });
      const first = await client().responses.create({ model: name, input: 'hi' });
      expect(a.responses.has(first.id)).toBe(true);
      a.setFault({ status: 500, path: '/v1/responses', times: 1 });
      // A new conversation moves on to b, and a cools down.
      const other = await client().responses.create({ model: name, input: 'new' });
      expect(b.responses.has(other.id)).toBe(true);
      const fromB = b.requests.length;
      const next = await client().responses.create({ model: name, input: 'more', previous_response_id: first.id });
      expect(a.responses.has(next.id)).toBe(true);
      a.setFault({ status: 500, body: '{"error":{"message":"a failed"}}', path: '/v1/responses', times: 1 });
      const res = await gw.call('/v1/responses', { method: 'POST', token, json: { model: name, input: 'again', previous_response_id: first.id } });
      expect(res.status).toBe(500);
      expect(await res.text()).toBe('{"error":{"message":"a failed"}}');
      expect(b.requests.length).toBe(fromB);
    });
  });
});
