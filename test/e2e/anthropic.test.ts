// The Anthropic surface over the fake Anthropic upstream, with raw HTTP: both credential
// headers, the versions and betas that pass through, the query string, prefixes, the strict
// format rule both ways, the gateway's own errors in Anthropic's envelope, upstream errors
// verbatim, the upstream key kept from clients, the model lists, and usage in the request log.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { writeTinyGguf } from '../support/tiny-gguf.js';
import { waitUntil } from '../support/wait.js';

type Json = Record<string, any>;
const HELLO = { model: 'claude-sonnet-4-6', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };

describe('Anthropic surface', () => {
  let fake: FakeAnthropic;
  let chat: FakeUpstream;
  let gw: TestGateway;
  let token: string;
  let dir: string;

  beforeAll(async () => {
    fake = await startFakeAnthropic({ cache: { creation: 4, read: 6 } });
    chat = await startFakeUpstream({ apiKey: 'sk-upstream-chat-SECRET' });
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'claude', api_format: 'anthropic', base_url: fake.baseUrl, api_key: fake.apiKey, models: ['claude-sonnet-4-6', 'claude-haiku-4-5'] });
    await gw.addApiModel({ name: 'claude-ant', api_format: 'anthropic', base_url: fake.baseUrl, api_key: fake.apiKey, models: ['claude-opus-4-7'], prefix: 'ant/' });
    await gw.addApiModel({ name: 'claude-badkey', api_format: 'anthropic', base_url: fake.baseUrl, api_key: 'sk-ant-wrong-SECRET', models: ['claude-badkey'] });
    await gw.addApiModel({ name: 'chat', api_format: 'openai', base_url: chat.url, api_key: chat.apiKey, models: ['gpt-4o'] });
    dir = mkdtempSync(join(tmpdir(), 'bodhi-anthropic-'));
    await gw.server.gateway.localAliases.create({ name: 'tiny', model_file: writeTinyGguf(join(dir, 'tiny.gguf')) });
    await gw.server.gateway.sync.reload();
    token = await gw.createToken('claude-user');
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([fake.close(), chat.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = { 'x-api-key': token, 'anthropic-version': '2023-06-01' }) =>
    fetch(gw.url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const direct = (path: string, body: unknown) =>
    fetch(fake.url + path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': fake.apiKey, 'anthropic-version': '2023-06-01' }, body: JSON.stringify(body) });
  const get = (path: string, headers: Record<string, string>) => fetch(gw.url + path, { headers });

  async function expectGatewayError(res: Response, status: number, type: string, message: string | RegExp) {
    expect(res.status).toBe(status);
    expect(res.headers.get('x-bodhi-error')).toBe('gateway');
    const body = (await res.json()) as Json;
    expect(body).toEqual({ type: 'error', error: { type, message: expect.any(String) } });
    if (typeof message === 'string') expect(body.error.message).toBe(message);
    else expect(body.error.message).toMatch(message);
  }

  it('forwards a message with either credential header at both bases; the upstream gets only its own key', async () => {
    const expected = await (await direct('/v1/messages', HELLO)).json();
    for (const base of ['', '/anthropic']) {
      for (const auth of [{ 'x-api-key': token }, { authorization: `Bearer ${token}` }] as Record<string, string>[]) {
        const res = await post(`${base}/v1/messages`, HELLO, { ...auth, 'anthropic-version': '2023-06-01' });
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual(expected);
        const seen = fake.requests.at(-1)!;
        expect(seen.url).toBe('/v1/messages');
        expect(seen.headers['x-api-key']).toBe(fake.apiKey);
        expect(seen.headers.authorization).toBeUndefined();
        expect(JSON.stringify(seen.headers)).not.toContain(token);
      }
    }
  });

  it('passes anthropic-version, anthropic-beta and the query string through; adds 2023-06-01 only when missing', async () => {
    const res = await post('/v1/messages?beta=true', HELLO, { 'x-api-key': token, 'anthropic-version': '2026-10-21', 'anthropic-beta': 'claude-code-20250219,interleaved-thinking-2025-05-14' });
    expect(res.status).toBe(200);
    const seen = fake.requests.at(-1)!;
    expect(seen.url).toBe('/v1/messages?beta=true');
    expect(seen.headers['anthropic-version']).toBe('2026-10-21');
    expect(seen.headers['anthropic-beta']).toBe('claude-code-20250219,interleaved-thinking-2025-05-14');
    expect((await post('/anthropic/v1/messages', HELLO, { authorization: `Bearer ${token}` })).status).toBe(200);
    expect(fake.requests.at(-1)!.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('forwards the body as bytes, only the prefix taken off model; fields it has never heard of pass', async () => {
    const claudeCodeish = '{"model":"ant/claude-opus-4-7","max_tokens":32000,"messages":[{"role":"system","content":"x"},{"role":"user","content":"hi"}],"thinking":{"type":"adaptive"},"context_management":{},"output_config":{},"stream":false}';
    const res = await fetch(`${gw.url}/v1/messages?beta=true`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': token, 'anthropic-version': '2023-06-01' }, body: claudeCodeish });
    expect(res.status).toBe(200);
    expect(fake.requests.at(-1)!.body.toString()).toBe(claudeCodeish.replace('ant/claude-opus-4-7', 'claude-opus-4-7'));
  });

  it('count_tokens goes to /messages/count_tokens at both bases', async () => {
    const body = { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'count me' }] };
    const expected = await (await direct('/v1/messages/count_tokens', body)).json();
    for (const base of ['', '/anthropic']) {
      const res = await post(`${base}/v1/messages/count_tokens?beta=true`, body);
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual(expected);
      expect(fake.requests.at(-1)!.url).toBe('/v1/messages/count_tokens?beta=true');
    }
  });

  it('streams byte for byte; an in-stream error too', async () => {
    const body = { ...HELLO, stream: true };
    const want = Buffer.from(await (await direct('/v1/messages', body)).arrayBuffer());
    const res = await post('/v1/messages', body);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(Buffer.from(await res.arrayBuffer()).equals(want)).toBe(true);
    fake.setFault({ status: 529, type: 'overloaded_error', message: 'Overloaded', midStream: true, times: 2 });
    const broken = Buffer.from(await (await direct('/v1/messages', body)).arrayBuffer());
    const viaGateway = await post('/v1/messages', body);
    expect(viaGateway.status).toBe(200);
    expect(Buffer.from(await viaGateway.arrayBuffer()).equals(broken)).toBe(true);
    expect(broken.toString()).toContain('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}');
  });

  it('refuses models of other formats, and anthropic models elsewhere, naming the format', async () => {
    const wrong = "Model '%' is not configured for Anthropic Messages API format. Configure an alias with 'anthropic' format.";
    for (const model of ['gpt-4o', 'tiny']) {
      await expectGatewayError(await post('/v1/messages', { ...HELLO, model }), 400, 'invalid_request_error', wrong.replace('%', model));
      await expectGatewayError(await post('/anthropic/v1/messages/count_tokens', { ...HELLO, model }), 400, 'invalid_request_error', wrong.replace('%', model));
    }
    const chatRes = await gw.call('/v1/chat/completions', { method: 'POST', token, json: { model: 'claude-sonnet-4-6', messages: [] } });
    expect(chatRes.status).toBe(400);
    expect(((await chatRes.json()) as Json).error.message).toBe("Model 'claude-sonnet-4-6' is configured with 'anthropic' format which does not support the chat completions endpoint.");
    const responses = await gw.call('/v1/responses', { method: 'POST', token, json: { model: 'ant/claude-opus-4-7', input: 'x' } });
    expect(responses.status).toBe(400);
    expect(((await responses.json()) as Json).error.message).toBe("Model 'ant/claude-opus-4-7' is not configured for Responses API format. Configure an alias with 'openai_responses' format.");
    const embeddings = await gw.call('/v1/embeddings', { method: 'POST', token, json: { model: 'claude-haiku-4-5', input: 'x' } });
    expect(embeddings.status).toBe(400);
  });

  it("the gateway's own errors are in Anthropic's envelope with x-bodhi-error: gateway", async () => {
    const before = fake.requests.length;
    await expectGatewayError(await post('/v1/messages', HELLO, { 'x-api-key': 'sk-bodhiapp_nope' }), 401, 'authentication_error', /./);
    await expectGatewayError(await post('/anthropic/v1/messages', HELLO, { authorization: 'Bearer nope' }), 401, 'authentication_error', /./);
    await expectGatewayError(await post('/v1/messages', HELLO, {}), 401, 'authentication_error', /./);
    await expectGatewayError(await get('/anthropic/v1/models', {}), 401, 'authentication_error', /./);
    await expectGatewayError(await post('/v1/messages', { ...HELLO, model: 'claude-ghost' }), 404, 'not_found_error', "Model configuration 'claude-ghost' not found.");
    await expectGatewayError(await post('/v1/messages', { max_tokens: 1 }), 400, 'invalid_request_error', "Missing required parameter: 'model'.");
    const narrow = await gw.createToken('narrow', 'user', { allowed_models: ['claude-haiku-4-5'] });
    await expectGatewayError(await post('/v1/messages', HELLO, { 'x-api-key': narrow }), 403, 'permission_error', "This token does not have access to model 'claude-sonnet-4-6'.");
    expect(fake.requests.length).toBe(before);
  });

  it("an upstream's errors pass through verbatim, with its request-id; its key never reaches the client", async () => {
    fake.setFault({ status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit', times: 1 });
    const limited = await post('/v1/messages', HELLO);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-bodhi-error')).toBeNull();
    expect(limited.headers.get('request-id')).toMatch(/^req_fake/);
    expect(await limited.json()).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' }, request_id: limited.headers.get('request-id') });
    const badKey = await post('/v1/messages', { ...HELLO, model: 'claude-badkey' });
    expect(badKey.status).toBe(401);
    expect(badKey.headers.get('x-bodhi-error')).toBeNull();
    const text = await badKey.text();
    expect(text).toContain('invalid x-api-key');
    for (const secret of [fake.apiKey, 'sk-ant-wrong-SECRET']) {
      expect(text).not.toContain(secret);
      expect(JSON.stringify([...badKey.headers])).not.toContain(secret);
    }
    expect(gw.logs.join('\n')).not.toContain(fake.apiKey);
  });

  it('lists the anthropic models the token may call, in Anthropic\'s shape, at /anthropic/v1/models and for Anthropic clients at /v1/models', async () => {
    const ids = ['claude-sonnet-4-6', 'claude-haiku-4-5', 'ant/claude-opus-4-7', 'claude-badkey'];
    const viaAnthropic = (await (await get('/anthropic/v1/models', { 'x-api-key': token })).json()) as Json;
    expect(viaAnthropic).toMatchObject({ has_more: false, first_id: ids[0], last_id: ids.at(-1) });
    expect(viaAnthropic.data.map((m: Json) => m.id)).toEqual(ids);
    expect(viaAnthropic.data[0]).toEqual({ type: 'model', id: ids[0], display_name: ids[0], created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    // Claude Code's gateway model discovery: base at the root, x-api-key, anthropic-version.
    const discovery = await get('/v1/models?limit=1000', { 'x-api-key': token, 'anthropic-version': '2023-06-01' });
    expect(discovery.status).toBe(200);
    expect(await discovery.json()).toEqual(viaAnthropic);
    const page = (await (await get('/anthropic/v1/models?limit=2&after_id=claude-haiku-4-5', { authorization: `Bearer ${token}` })).json()) as Json;
    expect(page).toMatchObject({ has_more: false, first_id: 'ant/claude-opus-4-7', last_id: 'claude-badkey' });
    expect((await get('/anthropic/v1/models?limit=1', { 'x-api-key': token }).then((r) => r.json())) as Json).toMatchObject({ has_more: true, last_id: ids[0] });
    const one = await get('/anthropic/v1/models/ant/claude-opus-4-7', { 'x-api-key': token });
    expect(await one.json()).toMatchObject({ type: 'model', id: 'ant/claude-opus-4-7' });
    expect((await get('/v1/models/claude-haiku-4-5', { 'x-api-key': token, 'anthropic-version': '2023-06-01' })).status).toBe(200);
    await expectGatewayError(await get('/anthropic/v1/models/gpt-4o', { 'x-api-key': token }), 404, 'not_found_error', 'model: gpt-4o');
    const narrow = await gw.createToken('narrow-list', 'user', { allowed_models: ['claude-haiku-4-5', 'gpt-4o'] });
    const narrowList = (await (await get('/anthropic/v1/models', { 'x-api-key': narrow })).json()) as Json;
    expect(narrowList.data.map((m: Json) => m.id)).toEqual(['claude-haiku-4-5']);
  });

  it("OpenAI clients keep OpenAI's list, of the models the OpenAI routes can call; x-api-key alone is no credential there", async () => {
    const list = (await (await gw.call('/v1/models', { token })).json()) as Json;
    expect(list.object).toBe('list');
    expect(list.data.map((m: Json) => m.id).sort()).toEqual(['gpt-4o', 'tiny']);
    expect((await gw.call('/v1/models/claude-haiku-4-5', { token })).status).toBe(404);
    expect((await get('/v1/models', { 'x-api-key': token })).status).toBe(401);
  });

  it('records usage once per call: cache writes and reads in input, reads as cached; count_tokens has none', async () => {
    await gw.server.gateway.requestLog.flush();
    const base = (await gw.server.gateway.store.listRequestLogs({ limit: 1000 })).length;
    await (await post('/v1/messages', { ...HELLO, messages: [{ role: 'user', content: 'usage json' }] })).arrayBuffer();
    await (await post('/anthropic/v1/messages', { ...HELLO, stream: true, messages: [{ role: 'user', content: 'usage stream' }] })).arrayBuffer();
    await (await post('/v1/messages/count_tokens', { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'n' }] })).arrayBuffer();
    let rows: Awaited<ReturnType<typeof gw.server.gateway.store.listRequestLogs>> = [];
    await waitUntil(async () => {
      await gw.server.gateway.requestLog.flush();
      const all = await gw.server.gateway.store.listRequestLogs({ limit: 1000 });
      rows = all.slice(0, all.length - base); // newest first
      return rows.length === 3;
    });
    const byRoute = (route: string) => rows.filter((r) => r.route === route);
    const input = (content: string) => Math.ceil(JSON.stringify([undefined, [{ role: 'user', content }], undefined]).length / 4) + 4 + 6;
    expect(byRoute('/v1/messages').at(0)).toMatchObject({ stream: false, apiModelName: 'claude', inputTokens: input('usage json'), outputTokens: 7, cachedTokens: 6, usageCounted: true, outcome: 'completed' });
    expect(byRoute('/anthropic/v1/messages').at(0)).toMatchObject({ stream: true, inputTokens: input('usage stream'), outputTokens: 7, cachedTokens: 6, usageCounted: true });
    expect(byRoute('/v1/messages/count_tokens').at(0)).toMatchObject({ inputTokens: null, outputTokens: null, status: 200 });
  });
});
