// /bodhi/v1/routers through real HTTP: create with defaults, read by id or name, partial
// updates, the checks that name the wrong field (400), the shared model-id namespace and the
// API models a router depends on (409), admin-only access, the OpenAPI document, and routers
// on the Anthropic and Gemini surfaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

type Json = Record<string, any>;

describe('/bodhi/v1/routers', () => {
  let gw: TestGateway;
  let up: FakeUpstream;
  let claude: FakeAnthropic;
  let gemini: FakeGemini;

  beforeAll(async () => {
    [up, claude, gemini] = await Promise.all([startFakeUpstream(), startFakeAnthropic(), startFakeGemini({ apiKey: 'gem-upstream-key' })]);
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'chat-a', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-4o'] });
    await gw.addApiModel({ name: 'chat-b', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-4o-mini'], prefix: 'b/', forward_all: false });
    await gw.addApiModel({ name: 'res', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
    await gw.addApiModel({ name: 'all', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: [], prefix: 'fwd/', forward_all: true });
    await gw.addApiModel({ name: 'claude', api_format: 'anthropic', base_url: claude.baseUrl, api_key: claude.apiKey, models: ['claude-sonnet-4-6'] });
    await gw.addApiModel({ name: 'google', api_format: 'gemini', base_url: gemini.url, api_key: 'gem-upstream-key', models: ['gemini-2.5-flash'] });
  });
  afterAll(async () => {
    await gw?.close();
    await Promise.all([up?.close(), claude?.close(), gemini?.close()]);
  });

  const post = (json: unknown, token?: string) => gw.call('/bodhi/v1/routers', { method: 'POST', json, ...(token ? { token } : {}) });
  async function expectError(res: Response, status: number, param: string | null, message: RegExp) {
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(status);
    expect(body.error.message).toMatch(message);
    if (param !== null) expect(body.error.param).toBe(param);
  }

  it('creates a router with the documented defaults and finds it by id or name', async () => {
    const res = await post({ name: 'team-default', targets: [{ api_model: 'chat-a', model: 'gpt-5' }, { api_model: 'chat-b', model: 'gpt-5', weight: 3 }] });
    expect(res.status).toBe(201);
    const created = (await res.json()) as Json;
    expect(created).toMatchObject({
      name: 'team-default',
      api_format: 'openai',
      strategy: 'fallback',
      retry_on_status: [429, 500, 502, 503, 504, 529],
      max_attempts: null,
      failure_threshold: 3,
      failure_window_ms: 30_000,
      cooldown_ms: 30_000,
      max_retry_after_ms: 300_000,
      targets: [
        { api_model: 'chat-a', model: 'gpt-5', weight: 1, enabled: true, healthy: true, cooling_until: null, recent_failures: 0 },
        { api_model: 'chat-b', model: 'gpt-5', weight: 3, enabled: true, healthy: true },
      ],
    });
    expect(((await (await gw.call(`/bodhi/v1/routers/${created.id}`)).json()) as Json).name).toBe('team-default');
    expect(((await (await gw.call('/bodhi/v1/routers/team-default')).json()) as Json).id).toBe(created.id);
    const list = (await (await gw.call('/bodhi/v1/routers')).json()) as Json;
    expect(list.data.map((r: Json) => r.name)).toContain('team-default');
    const callable = (await (await gw.call('/bodhi/v1/models')).json()) as Json;
    expect(callable.data.find((m: Json) => m.id === 'team-default')).toMatchObject({ kind: 'router', api_format: 'openai', router: { targets: ['chat-a/gpt-5', 'chat-b/gpt-5'] } });
  });

  it('changes only the fields given', async () => {
    await post({ name: 'partial', targets: [{ api_model: 'chat-a', model: 'x' }], cooldown_ms: 5_000 });
    const res = await gw.call('/bodhi/v1/routers/partial', { method: 'PUT', json: { strategy: 'weighted' } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ strategy: 'weighted', cooldown_ms: 5_000, targets: [{ api_model: 'chat-a', model: 'x' }] });
    const renamed = await gw.call('/bodhi/v1/routers/partial', { method: 'PUT', json: { name: 'partial-2', targets: [{ api_model: 'chat-b', model: 'y', enabled: false }] } });
    expect(await renamed.json()).toMatchObject({ name: 'partial-2', strategy: 'weighted', targets: [{ api_model: 'chat-b', model: 'y', enabled: false }] });
  });

  it('refuses bad input with a 400 naming the field', async () => {
    await expectError(await post({ name: 'x1', targets: [] }), 400, null, /targets/);
    await expectError(await post({ name: 'x2', targets: [{ api_model: 'nope', model: 'm' }] }), 400, 'targets', /API model 'nope' not found/);
    await expectError(await post({ name: 'x3', targets: [{ api_model: 'chat-a', model: 'm' }, { api_model: 'res', model: 'm' }] }), 400, 'targets', /share one api_format/);
    await expectError(await post({ name: 'x4', targets: [{ api_model: 'chat-a', model: 'm' }, { api_model: 'chat-a', model: 'm' }] }), 400, 'targets', /repeats/);
    await expectError(await post({ name: 'x5', strategy: 'random', targets: [{ api_model: 'chat-a', model: 'm' }] }), 400, null, /strategy/);
    await expectError(await post({ name: 'bad name', targets: [{ api_model: 'chat-a', model: 'm' }] }), 400, 'name', /printable/);
    await expectError(await post({ name: 'x6', retry_on_status: [200], targets: [{ api_model: 'chat-a', model: 'm' }] }), 400, null, /retry_on_status/);
  });

  it('shares the model-id namespace (409 naming the other)', async () => {
    await expectError(await post({ name: 'gpt-4o', targets: [{ api_model: 'chat-a', model: 'm' }] }), 409, 'name', /already served by API model 'chat-a'/);
    await expectError(await post({ name: 'GPT-4O', targets: [{ api_model: 'chat-a', model: 'm' }] }), 409, 'name', /differs only in case/);
    await expectError(await post({ name: 'fwd/x', targets: [{ api_model: 'chat-a', model: 'm' }] }), 409, 'name', /falls under prefix 'fwd\/'/);
    await expectError(await post({ name: 'team-default', targets: [{ api_model: 'chat-a', model: 'm' }] }), 409, 'name', /already exists/);
    const apiModel = await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { name: 'clash', api_format: 'openai', base_url: up.url, models: ['team-default'] } });
    await expectError(apiModel, 409, 'models', /already a router/);
  });

  it('keeps the API models a router sends calls to', async () => {
    await gw.addApiModel({ name: 'used', api_format: 'openai', base_url: up.url, models: ['used-1'] });
    await post({ name: 'uses-it', targets: [{ api_model: 'used', model: 'm' }] });
    await expectError(await gw.call('/bodhi/v1/api-models/used', { method: 'DELETE' }), 409, null, /target of router 'uses-it'/);
    await expectError(
      await gw.call('/bodhi/v1/api-models/used', { method: 'PUT', json: { name: 'used', api_format: 'openai_responses', base_url: up.url, models: ['used-1'] } }),
      409,
      'api_format',
      /target of router 'uses-it'/,
    );
    expect((await gw.call('/bodhi/v1/routers/uses-it', { method: 'DELETE' })).status).toBe(200);
    expect((await gw.call('/bodhi/v1/routers/uses-it')).status).toBe(404);
    expect((await gw.call('/bodhi/v1/api-models/used', { method: 'DELETE' })).status).toBe(200);
  });

  it('is for admins only, and documented', async () => {
    const user = await gw.createToken('plain-user');
    expect((await gw.call('/bodhi/v1/routers', { token: user })).status).toBe(403);
    expect((await post({ name: 'nope', targets: [{ api_model: 'chat-a', model: 'm' }] }, user)).status).toBe(403);
    const doc = (await (await gw.call('/api-docs/openapi.json', { token: null })).json()) as Json;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/bodhi/v1/routers', '/bodhi/v1/routers/{id}']));
    expect(doc.components.schemas.RouterInput).toBeDefined();
  });

  it('serves Anthropic Messages and Gemini calls through routers of their format', async () => {
    await post({ name: 'team-claude', targets: [{ api_model: 'claude', model: 'claude-sonnet-4-6' }] });
    await post({ name: 'team-gemini', targets: [{ api_model: 'google', model: 'gemini-2.5-flash' }] });
    const token = await gw.createToken('multi');
    const msg = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': token, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'team-claude', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(msg.status).toBe(200);
    expect(JSON.parse(claude.requests.at(-1)!.body.toString()).model).toBe('claude-sonnet-4-6');
    const gen = await fetch(`${gw.url}/v1beta/models/team-gemini:generateContent`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': token },
      body: JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    });
    expect(gen.status).toBe(200);
    expect(gemini.requests.at(-1)!.url).toBe('/v1beta/models/gemini-2.5-flash:generateContent');
    const listed = (await (await fetch(`${gw.url}/v1beta/models`, { headers: { 'x-goog-api-key': token } })).json()) as Json;
    expect(listed.models.map((m: Json) => m.name)).toContain('models/team-gemini');
    // The strict format rule holds for routers too.
    const wrong = await fetch(`${gw.url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': token, 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model: 'team-default', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(wrong.status).toBe(400);
    expect(((await wrong.json()) as Json).error.message).toBe("Model 'team-default' is not configured for Anthropic Messages API format. Configure an alias with 'anthropic' format.");
  });
});
