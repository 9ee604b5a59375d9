// Google's SDK (@google/genai 2.x) pointed at the gateway, each call compared with the same call
// made directly to the fake Gemini upstream: same results, streams byte for byte. Then what the
// gateway adds: routing by the model in the path (prefixes, forward-all), the key swapped for
// the stored one, `?key=` never forwarded or logged, strict formats both ways, Google's error
// envelope for its own errors, and usage in the request log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoogleGenAI } from '@google/genai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { writeTinyGguf } from '../support/tiny-gguf.js';

const UPSTREAM_KEY = 'AIzaUpstreamSECRETkey0123456789abcdef';

/** An SDK answer without the HTTP response (its headers: date, ...) the SDK attaches. */
const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === 'sdkHttpResponse' ? undefined : x)));

describe('Gemini API through the gateway', () => {
  let fake: FakeGemini;
  let openai: FakeUpstream;
  let gw: TestGateway;
  let token: string;
  let viaGateway: GoogleGenAI;
  let direct: GoogleGenAI;

  beforeAll(async () => {
    fake = await startFakeGemini({ apiKey: UPSTREAM_KEY, thoughtsTokens: 6, cachedTokens: 2 });
    openai = await startFakeUpstream();
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'google', api_format: 'gemini', base_url: fake.url, api_key: UPSTREAM_KEY, models: ['gemini-2.5-flash', 'text-embedding-004'], prefix: 'gem/' });
    await gw.addApiModel({ name: 'google-all', api_format: 'gemini', base_url: fake.url, api_key: UPSTREAM_KEY, models: [], prefix: 'all/', forward_all: true });
    await gw.addApiModel({ name: 'openai', api_format: 'openai', base_url: openai.url, api_key: openai.apiKey, models: ['gpt-4o'] });
    token = await gw.createToken('alice');
    viaGateway = new GoogleGenAI({ apiKey: token, httpOptions: { baseUrl: gw.url } });
    direct = new GoogleGenAI({ apiKey: UPSTREAM_KEY, httpOptions: { baseUrl: fake.origin } });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([fake.close(), openai.close()]);
  });

  it('generateContent: same answer; the upstream gets its own key, the upstream model and the same body', async () => {
    const params = { contents: 'Hello there, Gemini', config: { temperature: 0.2, thinkingConfig: { thinkingBudget: 64 } } };
    const through = await viaGateway.models.generateContent({ model: 'gem/gemini-2.5-flash', ...params });
    const seen = fake.requests.at(-1)!;
    const straight = await direct.models.generateContent({ model: 'gemini-2.5-flash', ...params });
    expect(plain(through)).toEqual(plain(straight));
    expect(through.text).toBe('Echo: Hello there, Gemini');
    expect(seen.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    expect(seen.headers['x-goog-api-key']).toBe(UPSTREAM_KEY);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.body.equals(fake.requests.at(-1)!.body)).toBe(true);
  });

  it('generateContentStream: same chunks', async () => {
    const collect = async (ai: GoogleGenAI, model: string) => {
      const chunks: unknown[] = [];
      for await (const c of await ai.models.generateContentStream({ model, contents: 'Stream these words please' })) chunks.push(plain(c));
      return chunks;
    };
    const through = await collect(viaGateway, 'gem/gemini-2.5-flash');
    expect(fake.requests.at(-1)!.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(through.length).toBeGreaterThan(3);
    expect(through).toEqual(await collect(direct, 'gemini-2.5-flash'));
  });

  it('streams pass byte for byte, with alt=sse and as a JSON array without it; ?key= is not forwarded', async () => {
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Raw bytes, please' }] }] });
    const raw = async (url: string, headers: Record<string, string>) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
      return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
    };
    for (const alt of ['?alt=sse', '']) {
      const straight = await raw(`${fake.url}/models/gemini-2.5-flash:streamGenerateContent${alt}`, { 'x-goog-api-key': UPSTREAM_KEY });
      const byHeader = await raw(`${gw.url}/v1beta/models/gem/gemini-2.5-flash:streamGenerateContent${alt}`, { 'x-goog-api-key': token });
      const byQuery = await raw(`${gw.url}/v1beta/models/gem/gemini-2.5-flash:streamGenerateContent?key=${token}${alt.replace('?', '&')}`, {});
      expect(fake.requests.at(-1)!.url).toBe(`/v1beta/models/gemini-2.5-flash:streamGenerateContent${alt}`);
      const byBearer = await raw(`${gw.url}/v1beta/models/gem/gemini-2.5-flash:streamGenerateContent${alt}`, { authorization: `Bearer ${token}` });
      expect(straight.status).toBe(200);
      expect(straight.type).toBe(alt ? 'text/event-stream' : 'application/json; charset=UTF-8');
      for (const got of [byHeader, byQuery, byBearer]) {
        expect(got).toMatchObject({ status: 200, type: straight.type });
        expect(got.bytes.equals(straight.bytes)).toBe(true);
      }
    }
    expect(fake.requests.every((r) => !r.url.includes(token) && r.headers['x-goog-api-key'] === UPSTREAM_KEY)).toBe(true);
  });

  it('countTokens and embedContent (batchEmbedContents): same answers', async () => {
    const count = { contents: 'How many tokens is this' };
    expect(plain(await viaGateway.models.countTokens({ model: 'gem/gemini-2.5-flash', ...count }))).toEqual(plain(await direct.models.countTokens({ model: 'gemini-2.5-flash', ...count })));
    const embed = { contents: ['first text', 'second text'] };
    const through = await viaGateway.models.embedContent({ model: 'gem/text-embedding-004', ...embed });
    expect(fake.requests.at(-1)!.url).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
    expect(through.embeddings).toHaveLength(2);
    expect(plain(through)).toEqual(plain(await direct.models.embedContent({ model: 'text-embedding-004', ...embed })));
  });

  it('REST :embedContent, and a forward-all prefix', async () => {
    const body = JSON.stringify({ content: { parts: [{ text: 'one text' }] } });
    const call = (url: string, key: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-goog-api-key': key }, body }).then((r) => r.text());
    const straight = await call(`${fake.url}/models/text-embedding-004:embedContent`, UPSTREAM_KEY);
    expect(await call(`${gw.url}/v1beta/models/gem/text-embedding-004:embedContent`, token)).toBe(straight);
    expect(await call(`${gw.url}/v1beta/models/all/text-embedding-004:embedContent`, token)).toBe(straight);
    expect(await call(`${gw.url}/v1beta/models/gem%2Ftext-embedding-004:embedContent`, token)).toBe(straight);
    expect(fake.requests.at(-1)!.url).toBe('/v1beta/models/text-embedding-004:embedContent');
  });

  it('models.list and models.get: the gemini-format models the token may call, in Google\'s shape', async () => {
    const names: string[] = [];
    for await (const m of await viaGateway.models.list()) names.push(m.name!);
    expect(names.sort()).toEqual(['models/gem/gemini-2.5-flash', 'models/gem/text-embedding-004']);
    const upstream: string[] = [];
    for await (const m of await direct.models.list()) upstream.push(m.name!);
    expect(upstream).toEqual(expect.arrayContaining(names.map((n) => n.replace('gem/', ''))));
    expect((await viaGateway.models.get({ model: 'gem/gemini-2.5-flash' })).name).toBe('models/gem/gemini-2.5-flash');

    const limited = await gw.createToken('limited', 'user', { allowed_models: ['gem/text-embedding-004'] });
    const res = await gw.call('/v1beta/models', { token: limited });
    expect(await res.json()).toEqual({ models: [expect.objectContaining({ name: 'models/gem/text-embedding-004' })] });
    expect((await gw.call('/v1beta/models/gpt-4o', { token })).status).toBe(404);
    expect((await gw.call('/v1beta/models/gem/gemini-2.5-flash', { token: limited })).status).toBe(403);
  });

  /** A call the gateway answers itself: Google's envelope, marked as the gateway's. */
  const gatewayError = async (res: Response, code: number, status: string) => {
    expect(res.status).toBe(code);
    expect(res.headers.get('x-bodhi-error')).toBe('gateway');
    const body = (await res.json()) as { error: { code: number; message: string; status: string } };
    expect(body.error).toMatchObject({ code, status });
    return body.error.message;
  };
  const post = (path: string, init: { token?: string | null; headers?: Record<string, string> } = {}) =>
    gw.call(path, { method: 'POST', token: init.token === undefined ? token : init.token, headers: { 'content-type': 'application/json', ...init.headers }, body: '{"contents":[{"parts":[{"text":"hi"}]}]}' });

  it('strict formats both ways, and local aliases refused', async () => {
    const seen = fake.requests.length + openai.requests.length;
    expect(await gatewayError(await post('/v1beta/models/gpt-4o:generateContent'), 400, 'INVALID_ARGUMENT')).toBe(
      "Model 'gpt-4o' is not configured for Gemini API format. Configure an alias with 'gemini' format.",
    );
    const chat = await gw.call('/v1/chat/completions', { method: 'POST', token, json: { model: 'gem/gemini-2.5-flash', messages: [{ role: 'user', content: 'hi' }] } });
    expect(chat.status).toBe(400);
    expect(((await chat.json()) as { error: { message: string } }).error.message).toContain("'gemini' format");
    const dir = mkdtempSync(join(tmpdir(), 'bodhi-gemini-'));
    const file = writeTinyGguf(join(dir, 'tiny.gguf'));
    expect((await gw.call('/bodhi/v1/aliases', { method: 'POST', json: { name: 'tiny-local', model_file: file } })).status).toBe(201);
    expect(await gatewayError(await post('/v1beta/models/tiny-local:generateContent'), 400, 'INVALID_ARGUMENT')).toContain("Configure an alias with 'gemini' format.");
    rmSync(dir, { recursive: true, force: true });
    expect(await gatewayError(await post('/v1beta/models/nope:generateContent'), 404, 'NOT_FOUND')).toContain("'nope'");
    expect(fake.requests.length + openai.requests.length).toBe(seen);
  });

  it('bad credentials, unknown methods and URLs: Google\'s envelope, nothing forwarded', async () => {
    const seen = fake.requests.length;
    await gatewayError(await post('/v1beta/models/gem/gemini-2.5-flash:generateContent', { token: null }), 401, 'UNAUTHENTICATED');
    await gatewayError(await post('/v1beta/models/gem/gemini-2.5-flash:generateContent', { token: null, headers: { 'x-goog-api-key': 'sk-bodhiapp_wrong' } }), 401, 'UNAUTHENTICATED');
    await gatewayError(await post('/v1beta/models/gem/gemini-2.5-flash:generateContent?key=sk-bodhiapp_wrong', { token: null }), 401, 'UNAUTHENTICATED');
    await gatewayError(await gw.call('/v1beta/models', { token: null }), 401, 'UNAUTHENTICATED');
    const bad = new GoogleGenAI({ apiKey: 'sk-bodhiapp_not-a-token', httpOptions: { baseUrl: gw.url } });
    await expect(bad.models.generateContent({ model: 'gem/gemini-2.5-flash', contents: 'hi' })).rejects.toMatchObject({ status: 401 });
    expect(await gatewayError(await post('/v1beta/models/gem/gemini-2.5-flash:predict'), 404, 'NOT_FOUND')).toContain("Method 'predict' is not supported");
    await gatewayError(await post('/v1beta/models/gem/gemini-2.5-flash'), 400, 'INVALID_ARGUMENT');
    await gatewayError(await gw.call('/v1beta/tunedModels', { token }), 404, 'NOT_FOUND');
    expect(fake.requests.length).toBe(seen);
  });

  it('upstream errors pass through verbatim', async () => {
    fake.failNext(429, 'RESOURCE_EXHAUSTED', 'Quota exceeded.');
    const res = await post('/v1beta/models/gem/gemini-2.5-flash:generateContent');
    expect(res.status).toBe(429);
    expect(res.headers.get('x-bodhi-error')).toBeNull();
    expect(await res.json()).toEqual({ error: { code: 429, message: 'Quota exceeded.', status: 'RESOURCE_EXHAUSTED' } });
    fake.failNext(503, 'UNAVAILABLE', 'The model is overloaded.');
    await expect(viaGateway.models.generateContent({ model: 'gem/gemini-2.5-flash', contents: 'hi' })).rejects.toMatchObject({ status: 503, message: expect.stringContaining('overloaded') });
  });

  it('an upstream that cannot be reached: 502 in Google\'s envelope', async () => {
    await gw.addApiModel({ name: 'google-down', api_format: 'gemini', base_url: 'http://127.0.0.1:9/v1beta', api_key: UPSTREAM_KEY, models: ['gemini-down'] });
    const message = await gatewayError(await post('/v1beta/models/gemini-down:generateContent'), 502, 'UNAVAILABLE');
    expect(message).toContain("API model 'google-down'");
    expect(message).not.toContain(UPSTREAM_KEY);
  });

  it('a token in ?key= reaches no log line', async () => {
    await post(`/v1beta/models/gem/gemini-2.5-flash:generateContent?key=${token}`, { token: null });
    await post(`/v1beta/models/nope:generateContent?key=${token}`, { token: null });
    await gw.call(`/v1beta/models?key=${token}`, { token: null });
    await gw.call(`/v1beta/unknown?key=${token}`, { token: null });
    await gw.server.gateway.requestLog.flush();
    const lines = gw.logs.filter((l) => l.includes('/v1beta/'));
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.some((l) => l.includes('key=[redacted]'))).toBe(true);
    expect(gw.logs.filter((l) => l.includes(token))).toEqual([]);
    const rows = await gw.server.gateway.store.listRequestLogs({ limit: 500 });
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('records usage from usageMetadata: JSON, SSE and streamed JSON array, counted once', async () => {
    const gateway = gw.server.gateway;
    await gateway.requestLog.flush();
    const before = new Set((await gateway.store.listRequestLogs({ limit: 500 })).map((r) => r.id));
    const body = JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'count my usage' }] }] });
    for (const method of ['generateContent', 'streamGenerateContent?alt=sse', 'streamGenerateContent']) {
      const res = await gw.call(`/v1beta/models/gem/gemini-2.5-flash:${method}`, { method: 'POST', token, headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    await gateway.requestLog.flush();
    const rows = (await gateway.store.listRequestLogs({ limit: 500 })).filter((r) => !before.has(r.id));
    // "count my usage": 3 prompt words; "Echo: count my usage": 4 words; 6 thinking tokens.
    const usage = { inputTokens: 3, outputTokens: 10, reasoningTokens: 6, cachedTokens: 2, usageCounted: true, apiModelName: 'google', model: 'gem/gemini-2.5-flash' };
    expect(rows.sort((a, b) => a.route.localeCompare(b.route) || Number(a.stream) - Number(b.stream))).toMatchObject([
      { route: '/v1beta/models/{model}:generateContent', stream: false, ...usage },
      { route: '/v1beta/models/{model}:streamGenerateContent', stream: true, ...usage },
      { route: '/v1beta/models/{model}:streamGenerateContent', stream: true, ...usage },
    ]);
  });
});
