// Who may do what: token states (missing, malformed, unknown, revoked, expired), scopes, the
// owner check on id-only routes, and model allow-lists on every /v1 route. Refusals never
// reach the upstream.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { sleep } from '../support/wait.js';

type Envelope = { error: { message: string; type: string; param: string | null; code: string | null } };

/** Every /v1 route, with a body that would be forwarded if the request were allowed. */
const V1_ROUTES: { method: string; path: string; json?: unknown }[] = [
  { method: 'POST', path: '/v1/responses', json: { model: 'gpt-5', input: 'x' } },
  { method: 'POST', path: '/v1/responses/input_tokens', json: { model: 'gpt-5', input: 'x' } },
  { method: 'POST', path: '/v1/responses/compact', json: { model: 'gpt-5', input: 'x' } },
  { method: 'GET', path: '/v1/responses/resp_abc?model=gpt-5' },
  { method: 'DELETE', path: '/v1/responses/resp_abc?model=gpt-5' },
  { method: 'GET', path: '/v1/responses/resp_abc/input_items?model=gpt-5' },
  { method: 'POST', path: '/v1/responses/resp_abc/cancel?model=gpt-5' },
  { method: 'POST', path: '/v1/chat/completions', json: { model: 'gpt-4o', messages: [] } },
  { method: 'POST', path: '/v1/embeddings', json: { model: 'text-embedding-3-small', input: 'x' } },
  { method: 'GET', path: '/v1/models' },
  { method: 'GET', path: '/v1/models/gpt-5' },
];

const MANAGEMENT_ROUTES: { method: string; path: string; json?: unknown }[] = [
  { method: 'GET', path: '/bodhi/v1/api-models' },
  { method: 'GET', path: '/bodhi/v1/api-models/formats' },
  { method: 'POST', path: '/bodhi/v1/api-models', json: { name: 'x', api_format: 'openai', base_url: 'http://x/v1', models: ['x'] } },
  { method: 'GET', path: '/bodhi/v1/api-models/r' },
  { method: 'PUT', path: '/bodhi/v1/api-models/r', json: { name: 'r', api_format: 'openai', base_url: 'http://x/v1', models: ['x'] } },
  { method: 'DELETE', path: '/bodhi/v1/api-models/r' },
  { method: 'GET', path: '/bodhi/v1/tokens' },
  { method: 'POST', path: '/bodhi/v1/tokens', json: { name: 'sneaky', scope: 'admin' } },
  { method: 'GET', path: '/bodhi/v1/tokens/target-admin' },
  { method: 'PUT', path: '/bodhi/v1/tokens/target-admin', json: { status: 'revoked' } },
  { method: 'DELETE', path: '/bodhi/v1/tokens/target-admin' },
  { method: 'GET', path: '/bodhi/v1/info' },
];

describe('authentication, scopes and isolation', () => {
  let gw: TestGateway;
  let up: FakeUpstream;

  beforeAll(async () => {
    up = await startFakeUpstream();
    gw = await startTestGateway();
    // Exactly one Responses-format API model, so the single-model fallback is in play.
    await gw.addApiModel({ name: 'r', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5', 'gpt-4.1'] });
    await gw.addApiModel({ name: 'c', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-4o', 'text-embedding-3-small'] });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const send = (route: { method: string; path: string; json?: unknown }, init: { token?: string | null; headers?: Record<string, string> } = {}) =>
    gw.call(route.path, { method: route.method, ...(route.json !== undefined ? { json: route.json } : {}), ...init });

  async function expectError(res: Response, status: number, match: Partial<Envelope['error']>, what: string) {
    expect(res.status, what).toBe(status);
    const body = (await res.json()) as Envelope;
    expect(Object.keys(body.error).sort(), what).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error, what).toMatchObject(match);
  }

  it('401 on every route for a missing, malformed, unknown, revoked or expired token; nothing forwarded', async () => {
    const revoked = await gw.createToken('to-revoke');
    await gw.server.gateway.tokenService.revoke('to-revoke');
    // A past expiry is refused when set, so this one is made to pass in the store.
    const expired = await gw.createToken('expired', 'admin', { expires_at: new Date(Date.now() + 60_000).toISOString() });
    const store = gw.server.gateway.store;
    const record = (await store.listTokens()).find((t) => t.name === 'expired')!;
    await store.updateToken({ ...record, expiresAt: Date.now() - 1000 });
    await gw.server.gateway.sync.reload();
    const cases: [string, { token?: string | null; headers?: Record<string, string> }, string][] = [
      ['missing', { token: null }, 'missing_token'],
      ['Basic auth', { token: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } }, 'missing_token'],
      ['bearer without a token', { token: null, headers: { authorization: 'Bearer' } }, 'missing_token'],
      ['bearer with spaces only', { token: null, headers: { authorization: 'Bearer    x' } }, 'invalid_token'],
      ['not token-shaped', { token: 'hello' }, 'invalid_token'],
      ['unknown', { token: 'sk-bodhiapp_' + 'A'.repeat(43) }, 'invalid_token'],
      ['one character off', { token: revoked.slice(0, -1) + (revoked.endsWith('A') ? 'B' : 'A') }, 'invalid_token'],
      ['revoked', { token: revoked }, 'token_revoked'],
      ['expired', { token: expired }, 'token_expired'],
    ];
    const before = up.requests.length;
    for (const route of [...V1_ROUTES, ...MANAGEMENT_ROUTES]) {
      for (const [what, init, code] of cases) {
        await expectError(await send(route, init), 401, { type: 'authentication_error', code }, `${what}: ${route.method} ${route.path}`);
      }
    }
    expect(up.requests.length).toBe(before);
  });

  it('a token stops working the moment it expires, without a restart', async () => {
    const expiresAt = Date.now() + 1_500;
    const soon = await gw.createToken('expires-soon', 'user', { expires_at: new Date(expiresAt).toISOString() });
    expect((await gw.call('/v1/models', { token: soon })).status).toBe(200);
    await sleep(expiresAt - Date.now() + 50);
    await expectError(await gw.call('/v1/models', { token: soon }), 401, { code: 'token_expired' }, 'after expiry');
  });

  it('the management API needs an admin token: 403 for user and power_user on every route', async () => {
    const user = await gw.createToken('plain-user');
    const power = await gw.createToken('power', 'power_user');
    await gw.createToken('target-admin', 'admin'); // what the token routes above try to read, revoke or delete
    for (const route of MANAGEMENT_ROUTES) {
      for (const token of [user, power]) {
        await expectError(await send(route, { token }), 403, { type: 'permission_error', code: 'insufficient_scope' }, `${route.method} ${route.path}`);
      }
    }
    // Nothing changed: no token named 'sneaky', the admin token still works.
    const tokens = (await (await gw.call('/bodhi/v1/tokens')).json()) as { data: { name: string; status: string }[] };
    expect(tokens.data.some((t) => t.name === 'sneaky')).toBe(false);
    expect(tokens.data.find((t) => t.name === 'target-admin')!.status).toBe('active');
    expect((await gw.call('/bodhi/v1/api-models/r')).status).toBe(200);
  });

  it("a token cannot reach another token's response on any id-only route, not even with ?model=; a new token of the same name neither", async () => {
    const owner = await gw.createToken('owner');
    const other = await gw.createToken('other', 'power_user');
    const created = await gw.call('/v1/responses', { method: 'POST', token: owner, json: { model: 'gpt-5', input: 'mine', background: true } });
    const { id } = (await created.json()) as { id: string };
    await gw.server.gateway.tokenService.revoke('owner');
    const sameName = await gw.createToken('owner');
    const before = up.requests.length;
    for (const token of [other, sameName]) {
      for (const [method, path] of [
        ['GET', `/v1/responses/${id}`],
        ['GET', `/v1/responses/${id}?model=gpt-5`],
        ['GET', `/v1/responses/${id}?stream=true`],
        ['GET', `/v1/responses/${id}/input_items`],
        ['POST', `/v1/responses/${id}/cancel`],
        ['DELETE', `/v1/responses/${id}`],
      ] as const) {
        await expectError(await gw.call(path, { method, token }), 404, { message: `Response with id '${id}' not found.` }, `${method} ${path}`);
      }
    }
    expect(up.requests.length).toBe(before);
    expect((await gw.call(`/v1/responses/${id}`)).status).toBe(200); // admin
  });

  describe('model allow-lists', () => {
    const denied = (m: string) => ({ type: 'permission_error', code: 'model_not_allowed', message: `This token does not have access to model '${m}'.` });

    it('403 with the exact text on every model-routed /v1 route; nothing forwarded', async () => {
      const token = await gw.createToken('only-4.1', 'user', { allowed_models: ['gpt-4.1'] });
      const before = up.requests.length;
      for (const route of V1_ROUTES.filter((r) => r.json)) {
        const model = (route.json as { model: string }).model;
        await expectError(await send(route, { token }), 403, denied(model), route.path);
        // Streaming asks are refused the same way.
        await expectError(await send({ ...route, json: { ...(route.json as object), stream: true } }, { token }), 403, denied(model), `${route.path} stream`);
      }
      expect(up.requests.length).toBe(before);
      // The allowed one goes through.
      expect((await gw.call('/v1/responses', { method: 'POST', token, json: { model: 'gpt-4.1', input: 'x' } })).status).toBe(200);
    });

    it('GET /v1/models lists only allowed models; /v1/models/{id} answers 403 for the others', async () => {
      const token = await gw.createToken('models-4o', 'user', { allowed_models: ['gpt-4o'] });
      const list = (await (await gw.call('/v1/models', { token })).json()) as { data: { id: string }[] };
      expect(list.data.map((m) => m.id)).toEqual(['gpt-4o']);
      expect((await gw.call('/v1/models/gpt-4o', { token })).status).toBe(200);
      await expectError(await gw.call('/v1/models/gpt-5', { token }), 403, denied('gpt-5'), 'models/gpt-5');
      await expectError(await gw.call('/v1/models/nope', { token }), 404, { code: 'model_not_found' }, 'models/nope');
    });

    it('id-only routes: 403 via the routing record, via ?model= and via the single-model fallback', async () => {
      const token = await gw.createToken('narrowed');
      // Created while the token could use gpt-5; then its allow-list is narrowed.
      const created = await gw.call('/v1/responses', { method: 'POST', token, json: { model: 'gpt-5', input: 'x', background: true } });
      const { id } = (await created.json()) as { id: string };
      await gw.call('/bodhi/v1/tokens/narrowed', { method: 'PUT', json: { allowed_models: ['gpt-4o'] } });
      await gw.server.gateway.sync.reload();
      const before = up.requests.length;
      const idRoutes = (rid: string, query = '') =>
        [
          ['GET', `/v1/responses/${rid}${query}`],
          ['GET', `/v1/responses/${rid}/input_items${query}`],
          ['POST', `/v1/responses/${rid}/cancel${query}`],
          ['DELETE', `/v1/responses/${rid}${query}`],
        ] as const;
      for (const [method, path] of idRoutes(id)) await expectError(await gw.call(path, { method, token }), 403, denied('gpt-5'), `record: ${method} ${path}`);
      for (const [method, path] of idRoutes('resp_elsewhere', '?model=gpt-4.1')) {
        await expectError(await gw.call(path, { method, token }), 403, denied('gpt-4.1'), `?model=: ${method} ${path}`);
      }
      // No record, no ?model=: the only Responses API model ('r') would serve it; none of its models is allowed.
      for (const [method, path] of idRoutes('resp_elsewhere')) {
        await expectError(await gw.call(path, { method, token }), 403, denied('r'), `fallback: ${method} ${path}`);
      }
      expect(up.requests.length).toBe(before);
    });

    it('allow-lists name the ids clients see (with prefixes), not the upstream ids', async () => {
      await gw.addApiModel({ name: 'prefixed', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-4.1-mini'], prefix: 'team/' });
      const token = await gw.createToken('prefixed-user', 'user', { allowed_models: ['team/gpt-4.1-mini'] });
      const ok = await gw.call('/v1/chat/completions', { method: 'POST', token, json: { model: 'team/gpt-4.1-mini', messages: [] } });
      expect(ok.status).toBe(200);
      expect(JSON.parse(up.requests.at(-1)!.body.toString()).model).toBe('gpt-4.1-mini');
      await expectError(await gw.call('/v1/chat/completions', { method: 'POST', token, json: { model: 'gpt-4o', messages: [] } }), 403, denied('gpt-4o'), 'other');
    });
  });
});
