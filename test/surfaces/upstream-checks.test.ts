// The admin helpers behind the API model form: fetch an upstream's models and test a
// connection, server-side, with a typed key or a stored one that never comes back; and the
// list of every callable model.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
