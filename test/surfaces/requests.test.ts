// GET /bodhi/v1/requests through real HTTP: calls that succeed, are rejected (unknown model,
// bad token), fail upstream (refused port), go through a router or the Anthropic surface, then every filter, status
// classes, cursor paging without duplicates or gaps, bad parameters (400 naming them), admin
// only, the gateway's own error on the rows that have one, and the OpenAPI document.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic } from '../support/fake-anthropic.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { waitUntil } from '../support/wait.js';

type Json = Record<string, any>;

/** A loopback port nothing listens on (bound, then closed). */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('/bodhi/v1/requests', () => {
  let gw: TestGateway;
  let up: FakeUpstream;
  let alice: string;
  let bob: string;
  let responseId: string;

  const list = async (query: string, token?: string): Promise<Json> => {
    const res = await gw.call(`/bodhi/v1/requests${query ? `?${query}` : ''}`, token ? { token } : {});
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(200);
    return body;
  };
  const ids = (page: Json) => page.data.map((r: Json) => r.id as string);

  beforeAll(async () => {
    up = await startFakeUpstream();
    gw = await startTestGateway();
    const dead = `http://127.0.0.1:${await refusedPort()}/v1`;
    await gw.addApiModel({ name: 'chat', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-4o'] });
    await gw.addApiModel({ name: 'res', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
    await gw.addApiModel({ name: 'dead', api_format: 'openai', base_url: dead, api_key: 'sk-x', models: ['dead-model'] });
    const router = await gw.call('/bodhi/v1/routers', { method: 'POST', json: { name: 'team', targets: [{ api_model: 'dead', model: 'gpt-4o' }, { api_model: 'chat', model: 'gpt-4o' }] } });
    expect(router.status).toBe(201);
    alice = await gw.createToken('alice');
    bob = await gw.createToken('bob');

    const chat = (token: string | null, model: string) => gw.call('/v1/chat/completions', { method: 'POST', token, json: { model, messages: [{ role: 'user', content: 'hi' }] } });
    expect((await chat(alice, 'gpt-4o')).status).toBe(200);
    const created = await gw.call('/v1/responses', { method: 'POST', token: alice, json: { model: 'gpt-5', input: 'hi' } });
    expect(created.status).toBe(200);
    responseId = ((await created.json()) as Json).id;
    expect((await chat(bob, 'no-such-model')).status).toBe(404);
    expect((await chat('sk-bodhiapp_not-a-real-token', 'gpt-4o')).status).toBe(401);
    expect((await chat(bob, 'dead-model')).status).toBe(502);
    expect((await chat(alice, 'team')).status).toBe(200);
    await waitUntil(async () => (await list('')).data.length >= 6);
  });
  afterAll(async () => {
    await gw?.close();
    await up?.close();
  });

  it('lists model API calls newest first, with every field and no management calls', async () => {
    const page = await list('');
    expect(page.object).toBe('list');
    expect(page.next_cursor).toBeNull();
    expect(page.data).toHaveLength(6);
    const times = page.data.map((r: Json) => Date.parse(r.created_at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(page.data.map((r: Json) => [r.route, r.status])).toEqual([
      ['/v1/chat/completions', 200],
      ['/v1/chat/completions', 502],
      ['/v1/chat/completions', 401],
      ['/v1/chat/completions', 404],
      ['/v1/responses', 200],
      ['/v1/chat/completions', 200],
    ]);
    const routed = page.data[0];
    expect(routed).toMatchObject({ object: 'request', token_name: 'alice', model: 'team', router: 'team', api_model: 'chat', upstream_model: 'gpt-4o', outcome: 'completed', error: null });
    expect(routed.attempts).toHaveLength(2);
    expect(routed.attempts[0]).toMatchObject({ api_model: 'dead', model: 'gpt-4o', status: null });
    expect(routed.attempts[0].reason).toMatch(/refused/);
    expect(routed.attempts[1]).toMatchObject({ api_model: 'chat', model: 'gpt-4o', status: 200, reason: null });
    expect(typeof routed.duration_ms).toBe('number');
    expect(typeof routed.ttfb_ms).toBe('number');

    const created = page.data[4];
    expect(created).toMatchObject({ response_id: responseId, api_model: 'res', model: 'gpt-5', stream: false, usage_counted: true });
    expect(created.input_tokens).toBeGreaterThan(0);
    expect(created.output_tokens).toBeGreaterThan(0);
    // Bodies are never part of a row.
    expect(JSON.stringify(page)).not.toMatch(/"hi"|messages|content/);
  });

  it("keeps the gateway's own error for rejected and failed calls, and nothing for successes", async () => {
    const rows = (await list('')).data as Json[];
    const byStatus = (s: number) => rows.find((r) => r.status === s)!;
    expect(byStatus(404)).toMatchObject({ outcome: 'rejected', token_name: 'bob', model: 'no-such-model', error: { code: 'model_not_found' } });
    expect(byStatus(404).error.message).toMatch(/no-such-model/);
    expect(byStatus(401)).toMatchObject({ outcome: 'rejected', token_name: null, token_id: null });
    expect(byStatus(401).error.code).toEqual(expect.any(String));
    expect(byStatus(401).error.message).not.toMatch(/not-a-real-token/);
    expect(byStatus(502)).toMatchObject({ outcome: 'upstream_failed', api_model: 'dead', error: { code: 'upstream_unavailable' } });
    expect(byStatus(502).error.message).toMatch(/dead/);
    for (const ok of rows.filter((r) => r.status === 200)) expect(ok.error).toBeNull();
  });

  it('filters by token (name or id), model, API model or router, route and time', async () => {
    const aliceRows = (await list('token=alice')).data as Json[];
    expect(aliceRows).toHaveLength(3);
    expect((await list(`token=${aliceRows[0]!.token_id}`)).data).toHaveLength(3);
    expect((await list('token=bob')).data.map((r: Json) => r.status)).toEqual([502, 404]);
    expect((await list('token=nobody')).data).toHaveLength(0);

    expect((await list('model=gpt-4o')).data.map((r: Json) => r.api_model)).toEqual(['chat']);
    expect((await list('model=team')).data).toHaveLength(1);
    // An API model's own calls and those it served for a router.
    expect((await list('api_model=chat')).data.map((r: Json) => r.model)).toEqual(['team', 'gpt-4o']);
    expect((await list('api_model=team')).data.map((r: Json) => r.router)).toEqual(['team']);
    expect((await list('api_model=dead')).data.map((r: Json) => r.status)).toEqual([502]);

    expect((await list(`route=${encodeURIComponent('/v1/responses')}`)).data.map((r: Json) => r.response_id)).toEqual([responseId]);
    expect((await list('route=%2Fv1%2Fembeddings')).data).toHaveLength(0);

    const all = (await list('')).data as Json[];
    const mid = Date.parse(all[2]!.created_at);
    const newer = (await list(`since=${mid}`)).data as Json[];
    const older = (await list(`until=${mid}`)).data as Json[];
    expect(newer.length + older.length).toBe(6);
    expect(newer.every((r) => Date.parse(r.created_at) >= mid)).toBe(true);
    expect(older.every((r) => Date.parse(r.created_at) < mid)).toBe(true);
    expect((await list('since=1h')).data).toHaveLength(6);
    expect((await list(`since=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).data).toHaveLength(0);
    expect((await list('until=1d')).data).toHaveLength(0);
    // Filters combine.
    expect((await list('token=alice&status=2xx&api_model=chat')).data).toHaveLength(2);
  });

  it('filters by exact status or status class', async () => {
    const statuses = async (q: string) => (await list(q)).data.map((r: Json) => r.status);
    expect(await statuses('status=2xx')).toEqual([200, 200, 200]);
    expect(await statuses('status=4xx')).toEqual([401, 404]);
    expect(await statuses('status=5xx')).toEqual([502]);
    expect(await statuses('status=404')).toEqual([404]);
    expect(await statuses('status=3xx')).toEqual([]);
  });

  it('pages with the cursor: same rows in the same order, no duplicates, no gaps', async () => {
    const whole = ids(await list(''));
    for (const limit of [1, 2, 4, 5]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Json = await list(`limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        expect(page.data.length).toBeLessThanOrEqual(limit);
        seen.push(...ids(page));
        cursor = page.next_cursor;
        pages++;
      } while (cursor && pages < 20);
      expect(seen, `limit ${limit}`).toEqual(whole);
      expect(pages).toBe(Math.ceil(whole.length / limit));
    }
    // Filters hold across pages.
    const first = await list('status=2xx&limit=2');
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = await list(`status=2xx&limit=2&cursor=${encodeURIComponent(first.next_cursor)}`);
    expect(second.data.map((r: Json) => r.status)).toEqual([200]);
    expect(second.next_cursor).toBeNull();
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['status=6xx', 'status'],
    ['status=40', 'status'],
    ['status=error', 'status'],
    ['since=yesterday', 'since'],
    ['until=soon', 'until'],
    ['cursor=not-a-cursor', 'cursor'],
    [`cursor=${Buffer.from('["x","y"]').toString('base64url')}`, 'cursor'],
    ['colour=red', 'colour'],
    ['token=a&token=b', 'token'],
    ['limit=1e2', 'limit'],
  ])('refuses %s with a 400 naming the parameter', async (query, param) => {
    const res = await gw.call(`/bodhi/v1/requests?${query}`);
    const body = (await res.json()) as Json;
    expect(res.status, JSON.stringify(body)).toBe(400);
    expect(body.error).toMatchObject({ type: 'invalid_request_error' });
    expect(body.error.param ?? body.error.message).toContain(param);
  });

  it('is admin only', async () => {
    const res = await gw.call('/bodhi/v1/requests', { token: alice });
    expect(res.status).toBe(403);
    expect((await gw.call('/bodhi/v1/requests', { token: null })).status).toBe(401);
  });

  // Last: it adds rows the tests above do not expect.
  it('lists Anthropic Messages calls too, by their own route', async () => {
    const claude = await startFakeAnthropic();
    try {
      await gw.addApiModel({ name: 'claude', api_format: 'anthropic', base_url: claude.baseUrl, api_key: claude.apiKey, models: ['claude-sonnet-4-6'] });
      const res = await gw.call('/anthropic/v1/messages', {
        method: 'POST',
        token: alice,
        headers: { 'anthropic-version': '2023-06-01' },
        json: { model: 'claude-sonnet-4-6', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] },
      });
      expect(res.status).toBe(200);
      await waitUntil(async () => (await list('api_model=claude')).data.length === 1);
      const [row] = (await list(`route=${encodeURIComponent('/anthropic/v1/messages')}`)).data as Json[];
      expect(row).toMatchObject({ token_name: 'alice', model: 'claude-sonnet-4-6', api_model: 'claude', status: 200, outcome: 'completed', error: null });
      expect(row!.input_tokens).toBeGreaterThan(0);
    } finally {
      await claude.close();
    }
  });

  it('is documented in OpenAPI', async () => {
    const doc = (await (await gw.call('/api-docs/openapi.json')).json()) as Json;
    const op = doc.paths['/bodhi/v1/requests'].get;
    expect(op.operationId).toBe('listRequests');
    expect(op.parameters.map((p: Json) => p.name).sort()).toEqual(['api_model', 'cursor', 'limit', 'model', 'route', 'since', 'status', 'token', 'until']);
    expect(doc.components.schemas.RequestLogPage.required).toEqual(['object', 'data', 'next_cursor']);
    expect(doc.components.schemas.RequestLogEntry.properties.attempts).toBeDefined();
  });
});
