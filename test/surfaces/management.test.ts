// The admin API under /bodhi/v1 over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

type Json = Record<string, any>;

describe('management API', () => {
  let gw: TestGateway;
  let user: string;
  let power: string;
  beforeAll(async () => {
    gw = await startTestGateway();
    user = await gw.createToken('user');
    power = await gw.createToken('power', 'power_user');
  });
  afterAll(() => gw.close());

  const json = async (res: Response) => (await res.json()) as Json;
  const valid = { name: 'oai', api_format: 'openai_responses', base_url: 'https://api.openai.com/v1/', api_key: 'sk-mgmt-SECRET', models: ['gpt-5'], prefix: 'res/' };

  it('requires an admin token', async () => {
    expect((await gw.call('/bodhi/v1/api-models', { token: null })).status).toBe(401);
    expect((await gw.call('/bodhi/v1/api-models', { token: 'sk-bodhiapp_' + 'a'.repeat(43) })).status).toBe(401);
    expect((await gw.call('/bodhi/v1/api-models', { headers: { authorization: 'Basic abc' }, token: null })).status).toBe(401);
    for (const token of [user, power]) {
      const res = await gw.call('/bodhi/v1/tokens', { token });
      expect(res.status).toBe(403);
      expect((await json(res)).error).toMatchObject({ type: 'permission_error', code: 'insufficient_scope' });
    }
    expect((await gw.call('/v1/models', { token: power })).status).toBe(200);
  });

  it('creates, reads, updates and deletes an API model without ever returning the key', async () => {
    const created = await gw.call('/bodhi/v1/api-models', { method: 'POST', json: valid });
    expect(created.status).toBe(201);
    const body = await json(created);
    expect(body).toMatchObject({ name: 'oai', api_format: 'openai_responses', base_url: 'https://api.openai.com/v1', has_api_key: true, models: ['gpt-5'], prefix: 'res/', forward_all: false });
    expect(body).not.toHaveProperty('api_key');

    const list = await json(await gw.call('/bodhi/v1/api-models'));
    expect(list.data.map((m: Json) => m.name)).toEqual(['oai']);
    expect(JSON.stringify(list)).not.toContain('SECRET');

    const byId = await json(await gw.call(`/bodhi/v1/api-models/${body.id}`));
    expect(byId.id).toBe(body.id);
    expect((await gw.call('/bodhi/v1/api-models/oai')).status).toBe(200); // by name too

    // update without api_key keeps it; null clears it
    const kept = await json(await gw.call(`/bodhi/v1/api-models/${body.id}`, { method: 'PUT', json: { ...valid, api_key: undefined, models: ['gpt-5', 'o3'] } }));
    expect(kept).toMatchObject({ has_api_key: true, models: ['gpt-5', 'o3'] });
    const cleared = await json(await gw.call(`/bodhi/v1/api-models/${body.id}`, { method: 'PUT', json: { ...valid, api_key: null } }));
    expect(cleared.has_api_key).toBe(false);
    // the change is live for /v1 at once
    const models = await json(await gw.call('/v1/models'));
    expect(models.data.map((m: Json) => m.id)).toEqual(['res/gpt-5']);

    const del = await gw.call(`/bodhi/v1/api-models/${body.id}`, { method: 'DELETE' });
    expect(await json(del)).toEqual({ id: body.id, object: 'api_model.deleted', deleted: true });
    expect((await gw.call(`/bodhi/v1/api-models/${body.id}`)).status).toBe(404);
    expect((await json(await gw.call('/v1/models'))).data).toEqual([]);
  });

  it('lists the formats with their labels', async () => {
    expect(await json(await gw.call('/bodhi/v1/api-models/formats'))).toEqual({
      object: 'list',
      data: [
        { id: 'openai', label: 'OpenAI - Completions' },
        { id: 'openai_responses', label: 'OpenAI - Responses' },
        { id: 'anthropic', label: 'Anthropic - Messages' },
        { id: 'gemini', label: 'Google - Gemini' },
      ],
    });
  });

  it.each([
    [{ ...valid, name: undefined }, 'name'],
    [{ ...valid, name: '' }, 'name'],
    [{ ...valid, name: 'has space' }, 'name'],
    [{ ...valid, api_format: 'bedrock' }, 'api_format'],
    [{ ...valid, api_format: undefined }, 'api_format'],
    [{ ...valid, base_url: 'ftp://x' }, 'base_url'],
    [{ ...valid, base_url: 'not a url' }, 'base_url'],
    [{ ...valid, base_url: 'https://user:pw@host/v1' }, 'base_url'],
    [{ ...valid, base_url: 5 }, 'base_url'],
    // Refused, never stored rewritten (the URL parser would make these http://v1, http://x/v1, ...).
    [{ ...valid, base_url: 'http:///v1' }, 'base_url'],
    [{ ...valid, base_url: 'https://:8443/v1' }, 'base_url'],
    [{ ...valid, base_url: 'http://x/v\r\n1' }, 'base_url'],
    [{ ...valid, base_url: 'http://x/v\t1' }, 'base_url'],
    [{ ...valid, base_url: 'http://x/v1 /y' }, 'base_url'],
    [{ ...valid, base_url: 'http://x/\u0000v1' }, 'base_url'],
    [{ ...valid, base_url: 'http://x/\u202ev1' }, 'base_url'],
    [{ ...valid, base_url: 'http:x/v1' }, 'base_url'],
    [{ ...valid, models: 'gpt-5' }, 'models'],
    [{ ...valid, models: [] }, 'models'],
    [{ ...valid, models: ['has space'] }, 'models'],
    // Ids are printable: no NUL, ESC, bidi override, zero-width or other format characters.
    [{ ...valid, models: ['nul\u0000id'] }, 'models'],
    [{ ...valid, models: ['esc\u001b[31mid'] }, 'models'],
    [{ ...valid, models: ['evil\u202eid'] }, 'models'],
    [{ ...valid, models: ['zero\u200bwidth'] }, 'models'],
    [{ ...valid, models: ['del\u007fid'] }, 'models'],
    [{ ...valid, models: ['x'.repeat(257)] }, 'models'],
    [{ ...valid, models: ['x'.repeat(250)], prefix: 'longer/' }, 'models'],
    [{ ...valid, prefix: 'p\u202e/' }, 'prefix'],
    [{ ...valid, forward_all: true, prefix: null }, 'prefix'],
    [{ ...valid, forward_all: 'yes' }, 'forward_all'],
    [{ ...valid, api_key: 'bad\nkey' }, 'api_key'],
    [{ ...valid, surprise: 1 }, 'surprise'],
  ])('rejects %j naming %s', async (input, field) => {
    const res = await gw.call('/bodhi/v1/api-models', { method: 'POST', json: input });
    expect(res.status).toBe(400);
    const err = (await json(res)).error;
    expect(err).toMatchObject({ type: 'invalid_request_error', param: field });
    expect(err.message).toEqual(expect.any(String));
  });

  it('answers 409 for a duplicate name or a model id claimed twice', async () => {
    expect((await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { ...valid, name: 'first' } })).status).toBe(201);
    const dupName = await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { ...valid, name: 'first', models: ['other'] } });
    expect(dupName.status).toBe(409);
    expect((await json(dupName)).error).toMatchObject({ param: 'name', type: 'conflict_error' });
    const dupModel = await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { ...valid, name: 'second' } });
    expect(dupModel.status).toBe(409);
    expect((await json(dupModel)).error).toMatchObject({ param: 'models', message: "Model 'res/gpt-5' is already served by API model 'first'." });
    // same upstream id under another prefix is fine
    expect((await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { ...valid, name: 'second', prefix: 'other/' } })).status).toBe(201);
    const fwd = { ...valid, name: 'fwd1', models: [], prefix: 'all/', forward_all: true };
    expect((await gw.call('/bodhi/v1/api-models', { method: 'POST', json: fwd })).status).toBe(201);
    expect((await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { ...fwd, name: 'fwd2' } })).status).toBe(409);
  });

  it('answers 409 naming the other API model for ids that differ only in case and for prefix overlaps', async () => {
    const base = { api_format: 'openai', base_url: 'http://127.0.0.1:9/v1' };
    const create = (json: Json) => gw.call('/bodhi/v1/api-models', { method: 'POST', json: { ...base, ...json } });
    expect((await create({ name: 'case-a', models: ['fake-reasoner'] })).status).toBe(201);
    for (const [input, param, message] of [
      [{ name: 'case-b', models: ['FAKE-REASONER'] }, 'models', "Model 'FAKE-REASONER' differs only in case from 'fake-reasoner', served by API model 'case-a'."],
      [{ name: 'case-c', models: ['x-one', 'X-ONE'] }, 'models', "Model 'X-ONE' differs only in case from 'x-one', also listed by API model 'case-c'."],
      // A forward-all prefix that covers another API model's explicit id, in any case.
      [{ name: 'fwd-fake', prefix: 'fake-', forward_all: true }, 'prefix', "Prefix 'fake-' would also forward 'fake-reasoner', which API model 'case-a' serves."],
      [{ name: 'fwd-fake', prefix: 'FAKE-', forward_all: true }, 'prefix', "Prefix 'FAKE-' would also forward 'fake-reasoner', which API model 'case-a' serves."],
      // An explicit id under another API model's forward-all prefix ('all/' of fwd1).
      [{ name: 'under', models: ['all/gpt-5'] }, 'models', "Model 'all/gpt-5' falls under prefix 'all/', which forwards all models to API model 'fwd1'."],
      [{ name: 'under', models: ['ALL/gpt-5'] }, 'models', "Model 'ALL/gpt-5' falls under prefix 'all/', which forwards all models to API model 'fwd1'."],
      [{ name: 'nested', prefix: 'all/deep/', forward_all: true }, 'prefix', "Prefix 'all/deep/' overlaps prefix 'all/', which forwards all models to API model 'fwd1'."],
      [{ name: 'outer', prefix: 'a', forward_all: true }, 'prefix', "Prefix 'a' overlaps prefix 'all/', which forwards all models to API model 'fwd1'."],
    ] as const) {
      const res = await create(input);
      expect(res.status, JSON.stringify(input)).toBe(409);
      expect((await json(res)).error).toMatchObject({ type: 'conflict_error', param, message });
    }
    // An update is checked the same way.
    const b = await json(await create({ name: 'case-b', models: ['other-id'] }));
    const renamed = await gw.call(`/bodhi/v1/api-models/${b.id}`, { method: 'PUT', json: { ...base, name: 'case-b', models: ['Fake-Reasoner'] } });
    expect(renamed.status).toBe(409);
    expect((await json(renamed)).error.message).toContain("API model 'case-a'");
    const ids = (await json(await gw.call('/v1/models'))).data.map((m: Json) => m.id);
    expect(ids.filter((id: string) => id.toLowerCase() === 'fake-reasoner')).toEqual(['fake-reasoner']);
  });

  it('answers 404 for unknown ids', async () => {
    for (const [method, path] of [
      ['GET', '/bodhi/v1/api-models/nope'],
      ['PUT', '/bodhi/v1/api-models/nope'],
      ['DELETE', '/bodhi/v1/api-models/nope'],
      ['GET', '/bodhi/v1/tokens/nope'],
      ['PUT', '/bodhi/v1/tokens/nope'],
      ['DELETE', '/bodhi/v1/tokens/nope'],
    ]) {
      const res = await gw.call(path!, { method, ...(method === 'PUT' ? { json: path!.includes('api-models') ? valid : { name: 'x' } } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect((await json(res)).error.type).toBe('not_found_error');
    }
  });

  it('creates a token once, lists without its value, revokes it with immediate effect', async () => {
    const res = await gw.call('/bodhi/v1/tokens', { method: 'POST', json: { name: 'ci-bot', scope: 'user' } });
    expect(res.status).toBe(201);
    const created = await json(res);
    expect(created.token).toMatch(/^sk-bodhiapp_[A-Za-z0-9_-]{43}$/);
    expect(created).toMatchObject({ name: 'ci-bot', scope: 'user', status: 'active', last_used_at: null });
    const list = await json(await gw.call('/bodhi/v1/tokens'));
    expect(JSON.stringify(list)).not.toContain(created.token);
    expect(list.data.find((t: Json) => t.id === created.id).token_hint).toBe(created.token.slice(0, 20) + '...');

    expect((await gw.call('/v1/models', { token: created.token })).status).toBe(200);
    const after = await json(await gw.call(`/bodhi/v1/tokens/${created.id}`));
    expect(after.last_used_at).not.toBeNull();

    const revoked = await json(await gw.call(`/bodhi/v1/tokens/${created.id}`, { method: 'DELETE' }));
    expect(revoked.status).toBe('revoked');
    const refused = await gw.call('/v1/models', { token: created.token });
    expect(refused.status).toBe(401);
    expect((await json(refused)).error).toMatchObject({ type: 'authentication_error', code: 'token_revoked' });

    // PUT can re-activate and change scope
    const back = await json(await gw.call(`/bodhi/v1/tokens/${created.id}`, { method: 'PUT', json: { status: 'active', scope: 'admin' } }));
    expect(back).toMatchObject({ status: 'active', scope: 'admin' });
    expect((await gw.call('/bodhi/v1/info', { token: created.token })).status).toBe(200);
  });

  it('validates token input', async () => {
    for (const [input, field] of [
      [{}, 'name'],
      [{ name: 'x', scope: 'root' }, 'scope'],
      [{ name: 'x', expires_at: 'soon' }, 'expires_at'],
      [{ name: 'x', allowed_models: 'gpt-5' }, 'allowed_models'],
      [{ name: 'x', rate_limit_rpm: 0 }, 'rate_limit_rpm'],
    ] as const) {
      const res = await gw.call('/bodhi/v1/tokens', { method: 'POST', json: input });
      expect(res.status, JSON.stringify(input)).toBe(400);
      expect((await json(res)).error.param).toBe(field);
    }
    expect((await gw.call('/bodhi/v1/tokens', { method: 'POST', json: { name: 'user' } })).status).toBe(409);
  });

  it('refuses a past expiry, and lists and counts an expired token as expired', async () => {
    const past = await gw.call('/bodhi/v1/tokens', { method: 'POST', json: { name: 'born-expired', expires_at: '2001-01-01T00:00:00Z' } });
    expect(past.status).toBe(400);
    expect((await json(past)).error).toMatchObject({ param: 'expires_at', message: expect.stringContaining('in the past') });

    const created = await json(await gw.call('/bodhi/v1/tokens', { method: 'POST', json: { name: 'short-lived', expires_at: new Date(Date.now() + 60_000).toISOString() } }));
    expect(created).toMatchObject({ status: 'active', state: 'active' });
    const update = await gw.call(`/bodhi/v1/tokens/${created.id}`, { method: 'PUT', json: { expires_at: '2001-01-01T00:00:00Z' } });
    expect(update.status).toBe(400);
    expect((await json(update)).error.param).toBe('expires_at');
    const activeBefore = (await json(await gw.call('/bodhi/v1/info'))).counts.active_tokens;

    // Let its expiry pass (set in the store: the API refuses a past time).
    const store = gw.server.gateway.store;
    const record = (await store.listTokens()).find((t) => t.id === created.id)!;
    const expiredAt = Date.now() - 1000;
    await store.updateToken({ ...record, expiresAt: expiredAt });
    await gw.server.gateway.sync.reload();

    expect((await json(await gw.call('/v1/models', { token: created.token }))).error.code).toBe('token_expired');
    const listed = (await json(await gw.call('/bodhi/v1/tokens'))).data.find((t: Json) => t.id === created.id);
    expect(listed).toMatchObject({ status: 'active', state: 'expired' });
    expect(await json(await gw.call(`/bodhi/v1/tokens/${created.id}`))).toMatchObject({ state: 'expired' });
    expect((await json(await gw.call('/bodhi/v1/info'))).counts.active_tokens).toBe(activeBefore - 1);
    // Its own (past) expiry passed back unchanged, as a form does, is not a new past expiry.
    const resent = await gw.call(`/bodhi/v1/tokens/${created.id}`, { method: 'PUT', json: { expires_at: new Date(expiredAt).toISOString(), rate_limit_rpm: 5 } });
    expect(resent.status).toBe(200);
    const revoked = await json(await gw.call(`/bodhi/v1/tokens/${created.id}`, { method: 'DELETE' }));
    expect(revoked).toMatchObject({ status: 'revoked', state: 'revoked' });
  });

  it('reports info', async () => {
    const info = await json(await gw.call('/bodhi/v1/info'));
    expect(info).toMatchObject({ version: expect.any(String), data_dir: gw.home, database: { kind: 'sqlite' } });
    expect(info.counts.tokens).toBeGreaterThanOrEqual(3);
  });

  it('stores anthropic and gemini API models with base URLs as the providers document them, and lists their models', async () => {
    const claude = await gw.call('/bodhi/v1/api-models', {
      method: 'POST',
      json: { name: 'claude', api_format: 'anthropic', base_url: 'https://api.anthropic.com/v1', api_key: 'sk-ant-SECRET', models: ['claude-sonnet-4-5'], prefix: 'ant/' },
    });
    expect(claude.status).toBe(201);
    expect(await json(claude)).toMatchObject({ api_format: 'anthropic', base_url: 'https://api.anthropic.com/v1', has_api_key: true });
    const gemini = await gw.call('/bodhi/v1/api-models', {
      method: 'POST',
      json: { name: 'gemini', api_format: 'gemini', base_url: 'https://generativelanguage.googleapis.com/v1beta/', api_key: 'AIza-SECRET', models: ['gemini-2.5-flash'], prefix: 'gem/', forward_all: true },
    });
    expect(gemini.status).toBe(201);
    expect(await json(gemini)).toMatchObject({ api_format: 'gemini', base_url: 'https://generativelanguage.googleapis.com/v1beta', forward_all: true });

    const callable = (await json(await gw.call('/bodhi/v1/models'))).data as Json[];
    const byId = Object.fromEntries(callable.map((m) => [m.id, m]));
    expect(byId['ant/claude-sonnet-4-5']).toMatchObject({ kind: 'api', match: 'exact', api_format: 'anthropic', api_model: { name: 'claude' }, upstream_model: 'claude-sonnet-4-5' });
    expect(byId['gem/gemini-2.5-flash']).toMatchObject({ kind: 'api', match: 'exact', api_format: 'gemini', api_model: { name: 'gemini' }, upstream_model: 'gemini-2.5-flash' });
    expect(byId['gem/*']).toMatchObject({ kind: 'api', match: 'prefix', api_format: 'gemini', upstream_model: null });

    for (const name of ['claude', 'gemini']) expect((await gw.call(`/bodhi/v1/api-models/${name}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('keeps OpenAI organization and project to the openai formats', async () => {
    const base = { api_format: 'anthropic', base_url: 'https://api.anthropic.com/v1', models: ['claude-x'] };
    for (const field of ['openai_organization', 'openai_project']) {
      const res = await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { ...base, name: 'acct', [field]: 'org-x' } });
      expect(res.status).toBe(400);
      expect((await json(res)).error).toMatchObject({ param: field, message: `${field} is sent only by the openai and openai_responses formats, not 'anthropic'. Leave it out (or null).` });
    }
    expect((await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { ...base, name: 'acct', openai_organization: null, openai_project: '' } })).status).toBe(201);
    // An openai model moved to another format drops the organization and project it kept.
    const openai = await json(await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { name: 'moving', api_format: 'openai', base_url: 'https://x.example/v1', models: ['m-1'], openai_organization: 'org-1', openai_project: 'proj_1' } }));
    expect(openai).toMatchObject({ openai_organization: 'org-1', openai_project: 'proj_1' });
    const moved = await json(await gw.call('/bodhi/v1/api-models/moving', { method: 'PUT', json: { name: 'moving', api_format: 'gemini', base_url: 'https://x.example/v1beta', models: ['m-1'] } }));
    expect(moved).toMatchObject({ api_format: 'gemini', openai_organization: null, openai_project: null });
    for (const name of ['acct', 'moving']) expect((await gw.call(`/bodhi/v1/api-models/${name}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('stores the websocket setting of openai_responses API models: null is automatic, on for api.openai.com only', async () => {
    const post = (body: Json) => gw.call('/bodhi/v1/api-models', { method: 'POST', json: body });
    const put = (name: string, body: Json) => gw.call(`/bodhi/v1/api-models/${name}`, { method: 'PUT', json: body });
    const official = { name: 'ws-official', api_format: 'openai_responses', base_url: 'https://api.openai.com/v1', models: ['ws-a'] };
    const local = { name: 'ws-local', api_format: 'openai_responses', base_url: 'http://127.0.0.1:9/v1', models: ['ws-b'] };
    // Created without it: automatic, on for api.openai.com and off for anything else.
    expect(await json(await post(official))).toMatchObject({ websocket: null, websocket_effective: true });
    expect(await json(await post(local))).toMatchObject({ websocket: null, websocket_effective: false });
    // Set either way; the effective value follows.
    expect(await json(await put('ws-local', { ...local, websocket: true }))).toMatchObject({ websocket: true, websocket_effective: true });
    expect(await json(await put('ws-official', { ...official, websocket: false }))).toMatchObject({ websocket: false, websocket_effective: false });
    // Omitted on update: kept (also in the list); null: back to automatic.
    expect(await json(await put('ws-local', { ...local, models: ['ws-b', 'ws-c'] }))).toMatchObject({ models: ['ws-b', 'ws-c'], websocket: true, websocket_effective: true });
    const listed = ((await json(await gw.call('/bodhi/v1/api-models'))).data as Json[]).find((m) => m.name === 'ws-local');
    expect(listed).toMatchObject({ websocket: true, websocket_effective: true });
    expect(await json(await put('ws-official', { ...official, websocket: null }))).toMatchObject({ websocket: null, websocket_effective: true });
    expect(await json(await post({ name: 'ws-off', api_format: 'openai_responses', base_url: 'https://api.openai.com/v1', models: ['ws-d'], websocket: false }))).toMatchObject({ websocket: false, websocket_effective: false });

    // Only for openai_responses: typed true/false for another format is a 400 naming it; null is fine.
    for (const websocket of [true, false]) {
      const res = await post({ name: 'ws-chat', api_format: 'openai', base_url: 'https://api.openai.com/v1', models: ['ws-e'], websocket });
      expect(res.status).toBe(400);
      expect((await json(res)).error).toMatchObject({ param: 'websocket', message: "websocket applies only to the openai_responses format, not 'openai'. Leave it out (or null)." });
    }
    expect(await json(await post({ name: 'ws-chat', api_format: 'openai', base_url: 'https://api.openai.com/v1', models: ['ws-e'], websocket: null }))).toMatchObject({ websocket: null, websocket_effective: false });
    const wrongType = await post({ ...official, name: 'ws-bad', models: ['ws-f'], websocket: 'on' });
    expect(wrongType.status).toBe(400);
    expect((await json(wrongType)).error).toMatchObject({ param: 'websocket' });
    // Moved to another format: reset to automatic (and off).
    expect(await json(await put('ws-local', { ...local, api_format: 'openai' }))).toMatchObject({ api_format: 'openai', websocket: null, websocket_effective: false });
    // The rule is documented in the OpenAPI schemas.
    const schemas = (await json(await gw.call('/api-docs/openapi.json', { token: null }))).components.schemas as Json;
    expect(schemas.ApiModelInput.properties.websocket.description).toMatch(/null = automatic: on when the base URL's host is `api\.openai\.com`/);
    expect(schemas.ApiModel.required).toEqual(expect.arrayContaining(['websocket', 'websocket_effective']));
    for (const name of ['ws-official', 'ws-local', 'ws-off', 'ws-chat']) expect((await gw.call(`/bodhi/v1/api-models/${name}`, { method: 'DELETE' })).status).toBe(200);
  });

  it('documents every format in the OpenAPI schemas', async () => {
    const doc = await json(await gw.call('/api-docs/openapi.json', { token: null }));
    const schemas = doc.components.schemas as Json;
    for (const name of ['ApiModelInput', 'ApiModel', 'TestConnectionInput', 'FetchModelsInput']) {
      expect(schemas[name].properties.api_format.enum, name).toEqual(['openai', 'openai_responses', 'anthropic', 'gemini']);
    }
    expect(schemas.ApiModelInput.properties.api_format.description).toMatch(/`anthropic` = Anthropic Messages API.*`gemini` = Google Gemini API/);
    expect(schemas.FetchModelsInput.properties.api_format.description).toContain('x-goog-api-key');
    expect(schemas.TestConnectionInput.properties.model.description).toContain('POST /messages');
    expect(schemas.ApiModelInput.properties.base_url.examples).toContain('https://generativelanguage.googleapis.com/v1beta');
    expect(schemas.FetchModelsInput.required).toEqual(['base_url']);
  });

  it('serves /ping and /health without auth', async () => {
    expect(await json(await gw.call('/ping', { token: null }))).toEqual({ message: 'pong' });
    expect(await json(await gw.call('/health', { token: null }))).toMatchObject({ status: 'ok', database: 'ok' });
  });
});
