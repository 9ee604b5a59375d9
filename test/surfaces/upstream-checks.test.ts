// The admin helpers behind the API model form: fetch an upstream's models and test a
// connection, server-side, with a typed key or a stored one that never comes back; and the
// list of every callable model.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerFor } from '../../src/providers/index.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { writeTinyGguf } from '../support/tiny-gguf.js';

type Json = Record<string, any>;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('upstream checks', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;
  let storedId: string;
  const KEY = 'sk-check-SECRET-0123456789';
  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: KEY, eventDelayMs: 1 });
    gw = await startTestGateway({ upstreamCheckTimeoutMs: 400 });
    storedId = (await gw.addApiModel({ name: 'stored', api_format: 'openai_responses', base_url: upstream.url, api_key: KEY, models: ['gpt-5'] })).id;
  });
  afterAll(async () => {
    await gw.close();
    await upstream.close();
  });

  const post = async (path: string, json: unknown, token?: string) => {
    const res = await gw.call(`/bodhi/v1/api-models/${path}`, { method: 'POST', json, ...(token ? { token } : {}) });
    const text = await res.text();
    expect(text).not.toContain(KEY);
    return { status: res.status, body: JSON.parse(text) as Json };
  };

  it('fetches the model ids with a typed key', async () => {
    const { status, body } = await post('fetch-models', { base_url: upstream.url, api_key: KEY });
    expect(status).toBe(200);
    expect(body.models).toEqual(['gpt-4.1', 'gpt-4.1-mini', 'gpt-5', 'gpt-5-mini', 'o4-mini', 'text-embedding-3-small']);
    const seen = upstream.requests.at(-1)!;
    expect(seen).toMatchObject({ method: 'GET', url: '/v1/models' });
    expect(seen.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('uses the stored key of an API model (by id or name) when no key is typed', async () => {
    for (const ref of [storedId, 'stored']) {
      const { status, body } = await post('fetch-models', { base_url: upstream.url, api_model_id: ref });
      expect(status).toBe(200);
      expect(body.models).toContain('gpt-5');
    }
    expect((await post('fetch-models', { base_url: upstream.url, api_model_id: 'nope' })).status).toBe(404);
  });

  it('never sends a stored key to any base URL but its own', async () => {
    const other = await startFakeUpstream();
    try {
      for (const [path, extra] of [
        ['fetch-models', {}],
        ['test', { api_format: 'openai_responses' }],
        ['test', { api_format: 'openai_responses', model: 'gpt-5' }],
      ] as const) {
        const { status, body } = await post(path, { ...extra, base_url: other.url, api_model_id: storedId });
        expect(status, path).toBe(400);
        expect(body.error).toMatchObject({ param: 'base_url', code: 'stored_key_base_url_mismatch' });
        expect(body.error.message).toContain('Type the key');
      }
      expect(other.requests).toEqual([]);
      // Nor by moving the API model there while keeping its key.
      const moved = await gw.call(`/bodhi/v1/api-models/${storedId}`, { method: 'PUT', json: { name: 'stored', api_format: 'openai_responses', base_url: other.url, models: ['gpt-5'] } });
      expect(moved.status).toBe(400);
      expect(((await moved.json()) as Json).error).toMatchObject({ param: 'api_key', code: 'stored_key_base_url_mismatch' });
      expect((await gw.call('/bodhi/v1/api-models/stored').then((r) => r.json()) as Json).base_url).toBe(upstream.url);
      // Another path on the same server is another recipient too (one host may serve several
      // accounts); the same URL written differently is not.
      const put = (base_url: string) => gw.call(`/bodhi/v1/api-models/${storedId}`, { method: 'PUT', json: { name: 'stored', api_format: 'openai_responses', base_url, models: ['gpt-5'] } });
      expect((await put(upstream.url + '/x')).status).toBe(400);
      expect(await (await put(upstream.url.replace('http://', 'HTTP://') + '/')).json()).toMatchObject({ has_api_key: true, base_url: upstream.url });
      // The stored URL written differently (upper-case scheme, trailing slash) is still its own.
      const same = await post('fetch-models', { base_url: upstream.url.replace('http://', 'HTTP://') + '/', api_model_id: 'stored' });
      expect(same.status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it("reports the upstream's own error message on a rejected key", async () => {
    const { status, body } = await post('fetch-models', { base_url: upstream.url, api_key: 'sk-wrong-key-000' });
    expect(status).toBe(502);
    expect(body.error).toMatchObject({ type: 'upstream_error', code: 'upstream_rejected', message: 'The upstream answered 401: Incorrect API key provided: sk-***.' });
    const none = await post('fetch-models', { base_url: upstream.url, api_key: null });
    expect(none.body.error.message).toContain("You didn't provide an API key.");
  });

  it('reports an unreachable upstream and a timeout', async () => {
    const port = await closedPort();
    const refused = await post('fetch-models', { base_url: `http://127.0.0.1:${port}/v1`, api_key: 'x' });
    expect(refused.status).toBe(502);
    expect(refused.body.error.message).toBe(`Could not reach http://127.0.0.1:${port}/v1/models: connection refused.`);

    upstream.setFault({ path: '/v1/models', slowHeadersMs: 3000, times: 1 });
    const started = Date.now();
    const slow = await post('test', { api_format: 'openai_responses', base_url: upstream.url, api_key: KEY });
    expect(Date.now() - started).toBeLessThan(2500);
    expect(slow.body).toMatchObject({ success: false, status: null, message: `Could not reach ${upstream.url}/models: no answer within 400 ms.` });
    upstream.setFault(null);
  });

  it('names the field of invalid input', async () => {
    for (const [path, input, param] of [
      ['fetch-models', { base_url: 'ftp://x' }, 'base_url'],
      ['fetch-models', {}, 'base_url'],
      ['fetch-models', { base_url: upstream.url, api_key: 'bad key' }, 'api_key'],
      ['fetch-models', { base_url: upstream.url, extra: 1 }, 'extra'],
      ['test', { base_url: upstream.url }, 'api_format'],
      ['test', { base_url: upstream.url, api_format: 'bedrock' }, 'api_format'],
      ['test', { base_url: upstream.url, api_format: 'openai', model: 'has space' }, 'model'],
    ] as const) {
      const { status, body } = await post(path, input);
      expect(status, JSON.stringify(input)).toBe(400);
      expect(body.error.param).toBe(param);
    }
  });

  it('tests a connection: GET /models, or a one-line prompt to the format endpoint', async () => {
    const plain = await post('test', { api_format: 'openai_responses', base_url: upstream.url, api_model_id: storedId });
    expect(plain.body).toMatchObject({ success: true, status: 200, message: 'Connected: GET /models answered 200.' });

    const responses = await post('test', { api_format: 'openai_responses', base_url: upstream.url, api_key: KEY, model: 'gpt-5' });
    expect(responses.body).toMatchObject({ success: true, status: 200, message: "Connected: POST /responses with model 'gpt-5' answered 200." });
    const sent = upstream.requests.at(-1)!;
    expect(sent.url).toBe('/v1/responses');
    expect(JSON.parse(sent.body.toString())).toMatchObject({ model: 'gpt-5', store: false });

    const chat = await post('test', { api_format: 'openai', base_url: upstream.url, api_key: KEY, model: 'gpt-4.1' });
    expect(chat.body).toMatchObject({ success: true, status: 200 });
    expect(upstream.requests.at(-1)!.url).toBe('/v1/chat/completions');

    const wrong = await post('test', { api_format: 'openai_responses', base_url: upstream.url, api_key: 'sk-wrong-key-000', model: 'gpt-5' });
    expect(wrong.body).toMatchObject({ success: false, status: 401, message: 'Incorrect API key provided: sk-***.' });
    expect(wrong.body.latency_ms).toEqual(expect.any(Number));
  });

  it('never echoes a key the upstream repeats in its error', async () => {
    upstream.setFault({ path: '/v1/models', status: 403, body: JSON.stringify({ error: { message: `Key ${KEY} is blocked`, type: 'x', param: null, code: null } }), times: 1 });
    const { body } = await post('test', { api_format: 'openai', base_url: upstream.url, api_key: KEY });
    expect(body).toMatchObject({ success: false, status: 403, message: 'Key [redacted] is blocked' });
    upstream.setFault(null);
  });

  it('is for admins only', async () => {
    const user = await gw.createToken('plain-user');
    const res = await gw.call('/bodhi/v1/api-models/test', { method: 'POST', token: user, json: { api_format: 'openai', base_url: upstream.url } });
    expect(res.status).toBe(403);
  });
});

/**
 * A minimal upstream that lists models and answers a prompt like Anthropic (under /v1) and
 * like Gemini (under /v1beta), each with its own key header and error envelope.
 */
async function startListingFake(key: string) {
  const requests: { method: string; url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '';
      requests.push({ method: req.method ?? '', url, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.startsWith('/v1/')) {
        if (req.headers['x-api-key'] !== key || !req.headers['anthropic-version']) {
          return send(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' }, request_id: 'req_1' });
        }
        if (req.method === 'GET' && url.split('?')[0] === '/v1/models') {
          const models = ['claude-sonnet-4-5', 'claude-haiku-4-5'].map((id) => ({ type: 'model', id, display_name: id, created_at: '2025-09-29T00:00:00Z' }));
          return send(200, { data: models, has_more: false, first_id: models[0]!.id, last_id: models[1]!.id });
        }
        if (req.method === 'POST' && url === '/v1/messages') {
          return send(200, { id: 'msg_1', type: 'message', role: 'assistant', content: [{ type: 'text', text: 'OK' }], model: 'claude-haiku-4-5', stop_reason: 'end_turn', usage: { input_tokens: 5, output_tokens: 1 } });
        }
        return send(404, { type: 'error', error: { type: 'not_found_error', message: `Not found: ${url}` } });
      }
      if (url.startsWith('/v1beta/')) {
        if (req.headers['x-goog-api-key'] !== key) {
          return send(400, { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } });
        }
        if (req.method === 'GET' && url === '/v1beta/models') {
          return send(200, { models: ['gemini-2.5-flash', 'gemini-2.5-pro', 'gemini-2.5-flash'].map((id) => ({ name: `models/${id}`, displayName: id })) });
        }
        const action = /^\/v1beta\/models\/(.+):generateContent$/.exec(url);
        if (req.method === 'POST' && action) {
          return send(200, { candidates: [{ content: { role: 'model', parts: [{ text: 'OK' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 1 } });
        }
        return send(404, { error: { code: 404, message: `Not found: ${url}`, status: 'NOT_FOUND' } });
      }
      send(404, { error: { message: 'unknown' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    requests,
    anthropicUrl: `${origin}/v1`,
    geminiUrl: `${origin}/v1beta`,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// Each format's probe lives with its provider; until a provider has its real probe, the checks
// that depend on that API's own listing shape or prompt endpoint cannot pass and are skipped.
const geminiListing = providerFor('gemini').probe.readModels(JSON.stringify({ models: [{ name: 'models/g' }] }));
const GEMINI_LISTS = geminiListing?.[0] === 'g';
const GEMINI_PROMPTS = providerFor('gemini').probe.testConnection('k', 'g').path === '/models/g:generateContent';
const ANTHROPIC_PROMPTS = providerFor('anthropic').probe.testConnection('k', 'c').path === '/messages';

describe('upstream checks per API format', () => {
  let gw: TestGateway;
  let fake: Awaited<ReturnType<typeof startListingFake>>;
  const KEY = 'provider-key-SECRET-123';
  beforeAll(async () => {
    fake = await startListingFake(KEY);
    gw = await startTestGateway({ upstreamCheckTimeoutMs: 2000 });
  });
  afterAll(async () => {
    await gw.close();
    await fake.close();
  });

  const post = async (path: string, json: unknown) => {
    const res = await gw.call(`/bodhi/v1/api-models/${path}`, { method: 'POST', json });
    const text = await res.text();
    expect(text).not.toContain(KEY);
    return { status: res.status, body: JSON.parse(text) as Json };
  };
  const last = () => fake.requests.at(-1)!;

  it("anthropic: lists models with Anthropic's key header and version, never OpenAI's account headers", async () => {
    const { status, body } = await post('fetch-models', { api_format: 'anthropic', base_url: fake.anthropicUrl, api_key: KEY, openai_organization: 'org-x', openai_project: 'proj_x' });
    expect(status).toBe(200);
    expect(body.models).toEqual(['claude-haiku-4-5', 'claude-sonnet-4-5']);
    // The whole list in one page (Anthropic pages by 20 unless asked).
    expect(last()).toMatchObject({ method: 'GET', url: expect.stringMatching(/^\/v1\/models(\?|$)/) });
    expect(last().headers['x-api-key']).toBe(KEY);
    expect(last().headers['anthropic-version']).toEqual(expect.any(String));
    for (const h of ['authorization', 'openai-organization', 'openai-project', 'x-goog-api-key']) expect(last().headers[h], h).toBeUndefined();
  });

  it("anthropic: a rejected key shows Anthropic's own message", async () => {
    const { status, body } = await post('fetch-models', { api_format: 'anthropic', base_url: fake.anthropicUrl, api_key: 'wrong-key' });
    expect(status).toBe(502);
    expect(body.error).toMatchObject({ code: 'upstream_rejected', message: 'The upstream answered 401: invalid x-api-key' });
    const test = await post('test', { api_format: 'anthropic', base_url: fake.anthropicUrl, api_key: 'wrong-key' });
    expect(test.body).toMatchObject({ success: false, status: 401, message: 'invalid x-api-key' });
  });

  it('anthropic: tests a connection with the model list, and with the stored key of an API model', async () => {
    const plain = await post('test', { api_format: 'anthropic', base_url: fake.anthropicUrl, api_key: KEY });
    expect(plain.body).toMatchObject({ success: true, status: 200, message: 'Connected: GET /models answered 200.' });
    const stored = await gw.addApiModel({ name: 'claude', api_format: 'anthropic', base_url: fake.anthropicUrl, api_key: KEY, models: ['claude-haiku-4-5'] });
    const { status, body } = await post('fetch-models', { api_format: 'anthropic', base_url: fake.anthropicUrl, api_model_id: stored.id });
    expect(status).toBe(200);
    expect(body.models).toContain('claude-sonnet-4-5');
    expect(last().headers['x-api-key']).toBe(KEY);
    expect(last().headers['openai-organization']).toBeUndefined();
  });

  it.skipIf(!ANTHROPIC_PROMPTS)('anthropic: tests a model with POST /messages (needs the anthropic provider\'s probe)', async () => {
    const { body } = await post('test', { api_format: 'anthropic', base_url: fake.anthropicUrl, api_key: KEY, model: 'claude-haiku-4-5' });
    expect(body).toMatchObject({ success: true, status: 200 });
    expect(body.message).toContain("with model 'claude-haiku-4-5' answered 200.");
    expect(last()).toMatchObject({ method: 'POST', url: '/v1/messages' });
    expect(JSON.parse(last().body)).toMatchObject({ model: 'claude-haiku-4-5', max_tokens: expect.any(Number), messages: [expect.objectContaining({ role: 'user' })] });
  });

  it.skipIf(!GEMINI_LISTS)("gemini: lists models with x-goog-api-key, ids without 'models/' (needs the gemini provider's probe)", async () => {
    const { status, body } = await post('fetch-models', { api_format: 'gemini', base_url: fake.geminiUrl, api_key: KEY, openai_organization: 'org-x' });
    expect(status).toBe(200);
    expect(body.models).toEqual(['gemini-2.5-flash', 'gemini-2.5-pro']);
    expect(last()).toMatchObject({ method: 'GET', url: '/v1beta/models' });
    expect(last().headers['x-goog-api-key']).toBe(KEY);
    for (const h of ['authorization', 'openai-organization', 'x-api-key']) expect(last().headers[h], h).toBeUndefined();
  });

  it("gemini: a rejected key shows Gemini's own message; the key goes as x-goog-api-key", async () => {
    const { status, body } = await post('fetch-models', { api_format: 'gemini', base_url: fake.geminiUrl, api_key: 'wrong-key' });
    expect(status).toBe(502);
    expect(body.error).toMatchObject({ code: 'upstream_rejected', message: 'The upstream answered 400: API key not valid. Please pass a valid API key.' });
    expect(last()).toMatchObject({ method: 'GET', url: '/v1beta/models' });
    expect(last().headers['x-goog-api-key']).toBe('wrong-key');
    expect(last().headers.authorization).toBeUndefined();
    const plain = await post('test', { api_format: 'gemini', base_url: fake.geminiUrl, api_key: KEY });
    expect(plain.body).toMatchObject({ success: true, status: 200 });
  });

  it.skipIf(!GEMINI_PROMPTS)("gemini: tests a model with POST /models/<m>:generateContent (needs the gemini provider's probe)", async () => {
    const { body } = await post('test', { api_format: 'gemini', base_url: fake.geminiUrl, api_key: KEY, model: 'gemini-2.5-flash' });
    expect(body).toMatchObject({ success: true, status: 200 });
    expect(last()).toMatchObject({ method: 'POST', url: '/v1beta/models/gemini-2.5-flash:generateContent' });
    expect(JSON.parse(last().body)).toMatchObject({ contents: expect.any(Array) });
  });

  it('fetch-models without api_format lists the OpenAI way (older clients); an unknown format is refused', async () => {
    const { status, body } = await post('fetch-models', { base_url: fake.anthropicUrl, api_key: KEY });
    expect(status).toBe(502);
    expect(last().headers.authorization).toBe(`Bearer ${KEY}`);
    expect(last().headers['x-api-key']).toBeUndefined();
    expect(body.error.code).toBe('upstream_rejected');
    const bad = await post('fetch-models', { api_format: 'bedrock', base_url: fake.anthropicUrl, api_key: KEY });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('api_format');
  });
});

describe('GET /bodhi/v1/models', () => {
  let gw: TestGateway;
  const dir = mkdtempSync(join(tmpdir(), 'bodhi-models-'));
  beforeAll(async () => {
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'res', api_format: 'openai_responses', base_url: 'http://127.0.0.1:9/v1', models: ['gpt-5'], prefix: 'r/' });
    await gw.addApiModel({ name: 'chat', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', models: ['gpt-4o'] });
    await gw.addApiModel({ name: 'all', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', prefix: 'any/', forward_all: true });
    const created = await gw.call('/bodhi/v1/aliases', { method: 'POST', json: { name: 'tiny', model_file: writeTinyGguf(join(dir, 'tiny.gguf')), context_size: 256 } });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await gw.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every callable model with its kind, format and API model, prefixes and local aliases included', async () => {
    const body = (await (await gw.call('/bodhi/v1/models')).json()) as Json;
    // Resolution order: exact API ids (in the store's order), local aliases, forward-all prefixes.
    const ids: string[] = body.data.map((m: Json) => m.id);
    expect(ids.slice(0, 2).sort()).toEqual(['gpt-4o', 'r/gpt-5']);
    expect(ids.slice(2)).toEqual(['tiny', 'any/*']);
    const byId = Object.fromEntries(body.data.map((m: Json) => [m.id, m]));
    expect(byId['r/gpt-5']).toMatchObject({ kind: 'api', match: 'exact', api_format: 'openai_responses', api_model: { name: 'res' }, upstream_model: 'gpt-5', local_alias: null });
    expect(byId['any/*']).toMatchObject({ kind: 'api', match: 'prefix', api_format: 'openai', api_model: { name: 'all' }, upstream_model: null, local_alias: null });
    expect(byId.tiny).toEqual({
      id: 'tiny',
      kind: 'local',
      match: 'exact',
      api_format: null,
      api_model: null,
      upstream_model: null,
      local_alias: { id: expect.any(String), model_file: 'tiny.gguf', context_size: 256 },
    });
    expect((await gw.call('/bodhi/v1/models', { token: await gw.createToken('u') })).status).toBe(403);
  });
});
