// How id-only calls (retrieve, delete, cancel, input_items) find their API model, and who may
// make them.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

describe('routing of id-only calls', () => {
  let gw: TestGateway;
  let a: FakeUpstream;
  let b: FakeUpstream;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    a = await startFakeUpstream({ apiKey: 'sk-a-SECRET' });
    b = await startFakeUpstream({ apiKey: 'sk-b-SECRET' });
    gw = await startTestGateway();
    alice = await gw.createToken('alice');
    bob = await gw.createToken('bob');
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([a.close(), b.close()]);
  });

  const create = async (token: string, model: string) => {
    const res = await gw.call('/v1/responses', { method: 'POST', token, json: { model, input: 'hi' } });
    expect(res.status).toBe(200);
    return ((await res.json()) as { id: string }).id;
  };

  it('with exactly one Responses API model, ids not created here route to it', async () => {
    await gw.addApiModel({ name: 'a', api_format: 'openai_responses', base_url: a.url, api_key: a.apiKey, models: ['model-a'] });
    await gw.addApiModel({ name: 'chat', api_format: 'openai', base_url: b.url, api_key: b.apiKey, models: ['chat-model'] });
    // created directly at the upstream, not through the gateway: no routing record
    const direct = await new OpenAI({ baseURL: a.url, apiKey: a.apiKey }).responses.create({ model: 'model-a', input: 'elsewhere' });
    const res = await gw.call(`/v1/responses/${direct.id}`, { token: alice });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { id: string }).id).toBe(direct.id);
  });

  it('with several, routes by the routing record, or by ?model=, else 400 naming ?model=', async () => {
    await gw.addApiModel({ name: 'b', api_format: 'openai_responses', base_url: b.url, api_key: b.apiKey, models: ['model-b'], prefix: 'b/' });
    const viaGateway = await create(alice, 'b/model-b');
    const got = await gw.call(`/v1/responses/${viaGateway}`, { token: alice });
    expect(got.status).toBe(200);
    expect(b.requests.at(-1)!.url).toBe(`/v1/responses/${viaGateway}`);

    const direct = await new OpenAI({ baseURL: a.url, apiKey: a.apiKey }).responses.create({ model: 'model-a', input: 'elsewhere' });
    const ambiguous = await gw.call(`/v1/responses/${direct.id}`, { token: alice });
    expect(ambiguous.status).toBe(400);
    const err = ((await ambiguous.json()) as { error: { message: string; param: string } }).error;
    expect(err.param).toBe('model');
    expect(err.message).toContain("Query parameter 'model' is required for routing");

    const withModel = await gw.call(`/v1/responses/${direct.id}/input_items?model=model-a&limit=1`, { token: alice });
    expect(withModel.status).toBe(200);
    expect(a.requests.at(-1)!.url).toBe(`/v1/responses/${direct.id}/input_items?limit=1`);
  });

  it('?model= must name a Responses-format alias', async () => {
    const res = await gw.call('/v1/responses/resp_123?model=chat-model', { token: alice });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
      "Model 'chat-model' is not configured for Responses API format. Configure an alias with 'openai_responses' format.",
    );
    const unknown = await gw.call('/v1/responses/resp_123?model=ghost', { token: alice });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe("Model configuration 'ghost' not found.");
  });

  it("a token cannot read, cancel, delete or list another token's response; an admin can", async () => {
    const id = await create(alice, 'model-a');
    const before = a.requests.length;
    for (const [method, path] of [
      ['GET', `/v1/responses/${id}`],
      ['GET', `/v1/responses/${id}/input_items`],
      ['POST', `/v1/responses/${id}/cancel`],
      ['DELETE', `/v1/responses/${id}`],
      ['GET', `/v1/responses/${id}?model=model-a`],
    ] as const) {
      const res = await gw.call(path, { method, token: bob });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await res.json()).toEqual({ error: { message: `Response with id '${id}' not found.`, type: 'invalid_request_error', param: null, code: null } });
    }
    expect(a.requests.length).toBe(before); // nothing was forwarded
    expect((await gw.call(`/v1/responses/${id}`, { token: gw.adminToken })).status).toBe(200);
    expect((await gw.call(`/v1/responses/${id}`, { token: alice })).status).toBe(200);
  });

  it('a deleted response still routes to its upstream (for its owner only), whose 404 passes through', async () => {
    const id = await create(alice, 'model-a');
    expect(await gw.server.gateway.store.getResponseRoute(id)).toMatchObject({ responseId: id, model: 'model-a', apiModelId: expect.any(String) });
    expect((await gw.call(`/v1/responses/${id}`, { method: 'DELETE', token: alice })).status).toBe(200);
    expect(await gw.server.gateway.store.getResponseRoute(id)).toMatchObject({ responseId: id });
    // Two Responses-format API models: without the record this would be a 400 asking for ?model=.
    const after = await gw.call(`/v1/responses/${id}`, { token: alice });
    expect(after.status).toBe(404);
    expect(a.requests.at(-1)!.url).toBe(`/v1/responses/${id}`);
    await expect(new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: alice }).responses.retrieve(id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
    expect((await gw.call(`/v1/responses/${id}`, { token: bob })).status).toBe(404);
  });

  it('a response created with store: false gets no routing record; its usage still counts once', async () => {
    const res = await gw.call('/v1/responses', { method: 'POST', token: alice, json: { model: 'model-a', input: 'ephemeral', store: false } });
    expect(res.status).toBe(200);
    const id = ((await res.json()) as { id: string }).id;
    await gw.server.gateway.responseRoutes.flush();
    expect(await gw.server.gateway.store.getResponseRoute(id)).toBeUndefined();
    expect(await gw.server.gateway.responseRoutes.lookup(id)).toBeUndefined();
    await gw.server.gateway.requestLog.flush();
    const rows = (await gw.server.gateway.store.listRequestLogs({ limit: 500 })).filter((r) => r.responseId === id);
    expect(rows).toMatchObject([{ responseId: id, usageCounted: true, inputTokens: expect.any(Number) }]);
  });

  it('a streamed create is recorded from its response.created event', async () => {
    const res = await gw.call('/v1/responses', { method: 'POST', token: alice, json: { model: 'b/model-b', input: 'stream', stream: true } });
    const text = await res.text();
    const id = /"id":"(resp_[a-f0-9]+)"/.exec(text)![1]!;
    const got = await gw.call(`/v1/responses/${id}`, { token: alice });
    expect(got.status).toBe(200);
    expect((await gw.call(`/v1/responses/${id}`, { token: bob })).status).toBe(404);
  });

  it('rejects hostile response ids with 400 and forwards nothing', async () => {
    const before = a.requests.length + b.requests.length;
    for (const id of ['..%2F..%2Fadmin', 'resp%2F1', 'a'.repeat(257), 'r%C3%A9sp', 'resp_1%00', 'resp.1']) {
      const res = await gw.call(`/v1/responses/${id}?model=model-a`, { token: alice });
      expect(res.status, id).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe('response_id');
    }
    expect(a.requests.length + b.requests.length).toBe(before);
  });
});

describe('request validation on model-routed calls', () => {
  let gw: TestGateway;
  let up: FakeUpstream;
  beforeAll(async () => {
    up = await startFakeUpstream();
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'r', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
    await gw.addApiModel({ name: 'c', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-4o'] });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const post = (path: string, body: string, contentType = 'application/json') =>
    gw.call(path, { method: 'POST', body, headers: { 'content-type': contentType } });

  it.each([
    ['{"input":"x"}', 400, "Missing required parameter: 'model'.", 'model'],
    ['{"model":5}', 400, "Invalid type for 'model': expected a string, but got a number instead.", 'model'],
    ['{"model":null}', 400, "Invalid type for 'model': expected a string, but got null instead.", 'model'],
    ['{"model":["gpt-5"]}', 400, "Invalid type for 'model': expected a string, but got an array instead.", 'model'],
    ['{"model":"ghost"}', 404, "Model configuration 'ghost' not found.", 'model'],
    ['{"model":"gpt-4o"}', 400, "Model 'gpt-4o' is not configured for Responses API format. Configure an alias with 'openai_responses' format.", 'model'],
    ['[1,2]', 400, 'The request body must be a JSON object, not an array.', null],
    ['{"model":', 400, expect.stringContaining('We could not parse the JSON body'), null],
  ])('POST /v1/responses %s -> %i', async (body, status, message, param) => {
    const before = up.requests.length;
    const res = await post('/v1/responses', body);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: Record<string, unknown> };
    expect(json.error).toEqual({ message, type: expect.any(String), param, code: expect.toSatisfy((c) => c === null || typeof c === 'string') });
    expect(up.requests.length).toBe(before);
  });

  it('answers 415 for a non-JSON body and 413 over the body limit', async () => {
    const r415 = await post('/v1/responses', 'model=gpt-5', 'application/x-www-form-urlencoded');
    expect(r415.status).toBe(415);
    expect(((await r415.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });

  it('applies the format rule to chat and embeddings too', async () => {
    for (const [path, text] of [
      ['/v1/chat/completions', "Model is configured with 'openai_responses' format which does not support the chat completions endpoint. Use the responses API endpoint instead."],
      ['/v1/embeddings', "Model is configured with 'openai_responses' format which does not support the embeddings endpoint."],
    ] as const) {
      const res = await post(path, '{"model":"gpt-5","input":"x","messages":[]}');
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: { message: text, type: 'invalid_request_error', param: 'model', code: null } });
    }
  });

  it('answers unknown routes with a 404 envelope', async () => {
    const res = await gw.call('/v1/nope');
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('not_found_error');
  });
});
