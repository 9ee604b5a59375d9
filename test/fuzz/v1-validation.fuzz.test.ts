// Property-based fuzzing of /v1 request validation over real HTTP: arbitrary bodies (bytes,
// JSON, objects with odd `model`s), content types, ids, paths, queries and Authorization
// values. Never a 500 or a hang; every refusal is the OpenAI envelope; and the upstream sees a
// request only when validation should have let it through, byte for byte and at the path the
// client named.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESPONSE_ID_RE } from '../../src/surfaces/openai/responses.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { rawRequest, type RawResponse } from '../support/raw-http.js';

const RUNS = 300;

/** Which client-visible models each model-routed route accepts. */
const ROUTES: Record<string, string[]> = {
  '/v1/responses': ['gpt-5'],
  '/v1/responses/input_tokens': ['gpt-5'],
  '/v1/responses/compact': ['gpt-5'],
  '/v1/chat/completions': ['gpt-4o', 'text-embedding-3-small'],
  '/v1/embeddings': ['gpt-4o', 'text-embedding-3-small'],
};
const GOOD_TYPES = ['application/json', 'application/json; charset=utf-8'];

const modelValue = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('gpt-5', 'gpt-4o', 'text-embedding-3-small') },
  { weight: 2, arbitrary: fc.constantFrom('ghost', '', ' gpt-5', 'GPT-5', 'gpt-5\u0000', 'res/gpt-5') },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) },
);
const jsonObjectWithModel = fc
  .tuple(fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), fc.option(modelValue, { freq: 5 }))
  .map(([obj, model]) => JSON.stringify(model === null ? obj : { ...obj, model }));
const body = fc.oneof(
  { weight: 4, arbitrary: jsonObjectWithModel },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('latin1')) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '{"model":"gpt-5","model":5}',
      '{"model":5,"model":"gpt-5"}',
      '{"__proto__":{"model":"gpt-5"}}',
      '{"constructor":{"prototype":{"model":"gpt-5"}}}',
      '\uFEFF{"model":"gpt-5"}',
      '{"model":"gpt-5"}garbage',
      '{"model":"\\u0067pt-5"}',
      '',
      'null',
    ),
  },
);
const contentType = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...GOOD_TYPES) },
  { weight: 1, arbitrary: fc.constantFrom('APPLICATION/JSON', 'application/json;charset=latin1', 'application/jsonp', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/*', '*/*') },
  { weight: 1, arbitrary: fc.stringMatching(/^[\x21-\x7e]{1,30}$/) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

/** Path segments: encoded arbitrary strings, raw URL-safe ASCII, valid ids, hostile ones. */
const segment = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_-]{1,60}$/),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent),
  fc.stringMatching(/^[!$&'()*+,;=:@A-Za-z0-9._~-]{1,80}$/),
  fc.constantFrom('..', '.', '%2e%2e', 'a%2Fb', '%00', 'x'.repeat(256), 'x'.repeat(257), '%E2%80%AE'),
);
const query = fc.oneof(
  fc.constant(''),
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom('model', 'include[]', 'limit', 'stream', 'after', 'order'), fc.string({ maxLength: 8 })), fc.oneof(fc.constantFrom('gpt-5', 'gpt-4o', 'ghost', 'true'), fc.string({ maxLength: 12 }))), { maxLength: 4 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}` : '')),
);

describe('/v1 request validation fuzz (real HTTP)', () => {
  let gw: TestGateway;
  let up: FakeUpstream;
  let token: string;
  const tally = new Map<string, number>();
  const count = (what: string) => tally.set(what, (tally.get(what) ?? 0) + 1);

  beforeAll(async () => {
    up = await startFakeUpstream({ eventDelayMs: 0 });
    gw = await startTestGateway({ logLevel: 'warn' });
    // One Responses API model: id-only calls without a record fall back to it.
    await gw.addApiModel({ name: 'r', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
    await gw.addApiModel({ name: 'c', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-4o', 'text-embedding-3-small'] });
    token = await gw.createToken('fuzz');
  });
  afterAll(async () => {
    console.log(`v1 fuzz outcomes: ${JSON.stringify(Object.fromEntries([...tally].sort()))}`);
    expect(gw.logs.join('\n')).not.toContain('unhandled error');
    await gw.close();
    await up.close();
  });

  /** Sends one request; returns the answer and the request the upstream got for it, if any. */
  async function send(method: string, path: string, headers: Record<string, string>, b?: string): Promise<{ res: RawResponse; forwarded: (typeof up.requests)[number] | undefined }> {
    const before = up.requests.length;
    const res = await rawRequest(gw.url, { method, path, headers, body: b, timeoutMs: 5_000 });
    return { res, forwarded: up.requests.length > before ? up.requests.at(-1) : undefined };
  }

  function expectGatewayRefusal(res: RawResponse, allowed: number[]): void {
    expect(allowed, `${res.status} ${res.body.toString().slice(0, 200)}`).toContain(res.status);
    const err = (JSON.parse(res.body.toString()) as { error: Record<string, unknown> }).error;
    expect(Object.keys(err).sort()).toEqual(['code', 'message', 'param', 'type']);
  }

  function parsedModel(b: string): unknown {
    try {
      const v = JSON.parse(b) as unknown;
      return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as { model?: unknown }).model : undefined;
    } catch {
      return undefined;
    }
  }

  it('model-routed routes: forwarded exactly when the body is a JSON object naming a model of the right format', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(ROUTES)), body, contentType, async (route, b, type) => {
        const { res, forwarded } = await send('POST', route, { authorization: `Bearer ${token}`, ...(type ? { 'content-type': type } : {}) }, b);
        const model = parsedModel(b);
        const valid = typeof model === 'string' && ROUTES[route]!.includes(model);
        count(`body ${forwarded ? 'forwarded' : res.status}`);
        if (forwarded) {
          expect(valid, `forwarded ${b}`).toBe(true);
          expect(forwarded.body.equals(Buffer.from(b))).toBe(true);
          expect(forwarded.url).toBe(route);
          expect(res.status).toBeLessThan(500);
        } else {
          expectGatewayRefusal(res, [400, 404, 413, 415]);
          // Nothing valid was turned away when it came as plain JSON.
          if (type && GOOD_TYPES.includes(type)) expect(valid, `refused ${b}`).toBe(false);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('id-only routes: forwarded only for a well-formed id, to exactly the path the client named', async () => {
    const route = fc.constantFrom(['GET', ''], ['DELETE', ''], ['GET', '/input_items'], ['POST', '/cancel'], ['PUT', ''], ['GET', '/nope'], ['POST', '/cancel/x']);
    await fc.assert(
      fc.asyncProperty(route, segment, query, async ([method, suffix], id, q) => {
        const { res, forwarded } = await send(method, `/v1/responses/${id}${suffix}${q}`, { authorization: `Bearer ${token}` });
        const known = ['GET ', 'DELETE ', 'GET /input_items', 'POST /cancel'].includes(`${method} ${suffix}`);
        count(`id ${forwarded ? 'forwarded' : res.status}`);
        if (forwarded) {
          expect(known && RESPONSE_ID_RE.test(id), `${method} ${id}${suffix}`).toBe(true);
          expect(forwarded.url.split('?')[0]).toBe(`/v1/responses/${id}${suffix}`);
          expect(new URLSearchParams(forwarded.url.split('?')[1] ?? '').has('model')).toBe(false);
          expect(res.status).toBeLessThan(500);
        } else {
          expectGatewayRefusal(res, [400, 403, 404, 414]);
          // A well-formed id on a known route with no ?model= routes to the only Responses API model.
          if (known && RESPONSE_ID_RE.test(id) && !/(^|[?&])model=/.test(q)) expect.fail(`refused a well-formed call: ${method} ${id}${suffix}${q} -> ${res.status}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary paths and methods under /v1: never a 500, never forwarded outside the known routes', async () => {
    const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');
    const first = fc.oneof(fc.constantFrom('responses', 'models', 'chat', 'embeddings', 'chat/completions', 'responses/input_tokens'), segment);
    const path = fc.tuple(first, fc.array(segment, { maxLength: 3 })).map(([head, rest]) => `/v1/${[head, ...rest].join('/')}`);
    await fc.assert(
      fc.asyncProperty(method, path, query, async (m, p, q) => {
        const { res, forwarded } = await send(m, `${p}${q}`, { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, m === 'GET' || m === 'DELETE' || m === 'OPTIONS' ? undefined : '{"model":"gpt-5"}');
        count(`path ${forwarded ? 'forwarded' : res.status}`);
        if (forwarded) expect(forwarded.url.split('?')[0]).toBe(p);
        else if (res.status >= 400) expectGatewayRefusal(res, [400, 404, 405, 414]);
        else expect(p).toMatch(/^\/v1\/models(\/|$)/); // answered by the gateway itself
        expect(res.status).not.toBe(500);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary Authorization values: 401 envelope, never forwarded', async () => {
    const value = fc.oneof(
      fc.stringMatching(/^[\x20-\x7e]{0,80}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/).map((s) => `Bearer sk-bodhiapp_${s}`),
      fc.constantFrom('Bearer', 'bearer  ', 'Bearer  sk-bodhiapp_', 'Basic Zm9vOmJhcg==', `Bearer ${'a'.repeat(8000)}`),
    );
    await fc.assert(
      fc.asyncProperty(value, fc.constantFrom('/v1/models', '/v1/responses', '/bodhi/v1/tokens'), async (auth, path) => {
        fc.pre(auth.trim() !== `Bearer ${token}`);
        const { res, forwarded } = await send(path === '/v1/responses' ? 'POST' : 'GET', path, { authorization: auth, 'content-type': 'application/json' }, path === '/v1/responses' ? '{"model":"gpt-5"}' : undefined);
        expect(forwarded).toBeUndefined();
        expectGatewayRefusal(res, [401]);
      }),
      { numRuns: RUNS },
    );
  });
});
