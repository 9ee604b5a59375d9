// Property-based fuzzing of the management API over real HTTP: arbitrary JSON shaped like the
// real inputs (and arbitrary bytes, content types and ids) never produce a 500, a crash or a
// hang; every refusal is the OpenAI envelope; nothing returned contains an API key.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { rawRequest } from '../support/raw-http.js';

const RUNS = 150;
const KEY_CANARY = 'sk-FUZZ-CANARY';

/** A value that is sometimes what the field wants and sometimes anything at all. */
const fieldValue = (good: fc.Arbitrary<unknown>) => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, { weight: 1, arbitrary: fc.constant(null) });
const name = fc.oneof(fc.stringMatching(/^[a-z][a-z0-9._-]{0,20}$/), fc.string({ maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 10 }));
const modelId = fc.oneof(fc.constantFrom('gpt-5', 'gpt-4o', 'o3'), fc.string({ maxLength: 300 }));
const url = fc.oneof(
  fc.constantFrom('http://127.0.0.1:9/v1', 'https://api.example.com/v1/', 'ftp://x/v1', 'http://u:p@host/v1', 'http://h/v1?x=1', 'not a url', ''),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
);

const apiModelInput = fc.record(
  {
    name: fieldValue(name),
    api_format: fieldValue(fc.constantFrom('openai', 'openai_responses', 'anthropic', 'gemini', 'bedrock')),
    base_url: fieldValue(url),
    api_key: fieldValue(fc.oneof(fc.constant(KEY_CANARY), fc.string({ maxLength: 40 }))),
    models: fieldValue(fc.array(modelId, { maxLength: 4 })),
    prefix: fieldValue(fc.oneof(fc.constantFrom('res/', 'a b', ''), fc.string({ maxLength: 70 }))),
    forward_all: fieldValue(fc.boolean()),
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);

const tokenInput = fc.record(
  {
    name: fieldValue(name),
    scope: fieldValue(fc.constantFrom('user', 'power_user', 'admin', 'root')),
    status: fieldValue(fc.constantFrom('active', 'revoked')),
    expires_at: fieldValue(fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string({ maxLength: 30 }))),
    allowed_models: fieldValue(fc.array(modelId, { maxLength: 4 })),
    rate_limit_rpm: fieldValue(fc.oneof(fc.integer(), fc.double())),
    extra: fc.jsonValue({ maxDepth: 1 }),
  },
  { requiredKeys: [] },
);

/** Ids as a client could put them in a path: encoded arbitrary strings, raw ASCII, dot segments. */
const pathId = fc.oneof(
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).map(encodeURIComponent),
  fc.stringMatching(/^[!$&'()*+,;=:@A-Za-z0-9._~%-]{1,300}$/),
  fc.constantFrom('..', '.', '%2e%2e', '..%2F..%2Fv1%2Fmodels', '%00', '%ff', '%', 'test-admin%00'),
);

describe('management API fuzz (real HTTP)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ logLevel: 'warn' });
  });
  afterAll(() => gw.close());

  type Answer = { status: number; body: string };
  const send = async (method: string, path: string, body?: string, contentType = 'application/json'): Promise<Answer> => {
    const res = await rawRequest(gw.url, {
      method,
      path,
      headers: { authorization: `Bearer ${gw.adminToken}`, ...(body !== undefined ? { 'content-type': contentType } : {}) },
      body,
      timeoutMs: 5_000,
    });
    return { status: res.status, body: res.body.toString() };
  };

  function checkAnswer(a: Answer, allowed: number[]): void {
    expect(allowed, `${a.status} ${a.body.slice(0, 300)}`).toContain(a.status);
    expect(a.body).not.toContain(KEY_CANARY);
    if (a.status >= 400) {
      const err = (JSON.parse(a.body) as { error: Record<string, unknown> }).error;
      expect(Object.keys(err).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(typeof err.message).toBe('string');
    }
  }

  it('POST and PUT /bodhi/v1/api-models with arbitrary input: 2xx/400/404/409, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(apiModelInput, apiModelInput, async (create, update) => {
        const created = await send('POST', '/bodhi/v1/api-models', JSON.stringify(create));
        checkAnswer(created, [201, 400, 409]);
        const id = created.status === 201 ? (JSON.parse(created.body) as { id: string }).id : 'no-such-model';
        checkAnswer(await send('PUT', `/bodhi/v1/api-models/${id}`, JSON.stringify(update)), [200, 400, 404, 409]);
        if (created.status === 201) {
          checkAnswer(await send('GET', `/bodhi/v1/api-models/${id}`), [200]);
          checkAnswer(await send('DELETE', `/bodhi/v1/api-models/${id}`), [200]);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('POST and PUT /bodhi/v1/tokens with arbitrary input: 2xx/400/404/409, never 500', async () => {
    await fc.assert(
      fc.asyncProperty(tokenInput, tokenInput, async (create, update) => {
        const created = await send('POST', '/bodhi/v1/tokens', JSON.stringify(create));
        checkAnswer(created, [201, 400, 409]);
        const id = created.status === 201 ? (JSON.parse(created.body) as { id: string }).id : 'no-such-token';
        checkAnswer(await send('PUT', `/bodhi/v1/tokens/${id}`, JSON.stringify(update)), [200, 400, 404, 409]);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary bytes and content types on every writing route: 400/404/413/415, never 500', async () => {
    const contentType = fc.oneof(fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data'), fc.stringMatching(/^[\x21-\x7e]{1,40}$/));
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.string({ unit: 'grapheme', maxLength: 50 }),
    );
    const route = fc.constantFrom(['POST', '/bodhi/v1/api-models'], ['PUT', '/bodhi/v1/api-models/x'], ['POST', '/bodhi/v1/tokens'], ['PUT', '/bodhi/v1/tokens/x']);
    await fc.assert(
      fc.asyncProperty(route, body, contentType, async ([method, path], b, type) => {
        checkAnswer(await send(method, path, b, type), [201, 400, 404, 409, 413, 415]);
      }),
      { numRuns: RUNS },
    );
  });

  it('arbitrary ids on every id route and method: 200/400/404, never 500', async () => {
    const method = fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'POST');
    const collection = fc.constantFrom('api-models', 'tokens');
    await fc.assert(
      fc.asyncProperty(method, collection, pathId, async (m, c, id) => {
        fc.pre(!/test-admin/i.test(decodeURIComponentSafe(id))); // keep the fuzzer's own key
        const a = await send(m, `/bodhi/v1/${c}/${id}`, m === 'PUT' || m === 'POST' ? '{}' : undefined);
        checkAnswer(a, [200, 400, 404]);
      }),
      { numRuns: RUNS },
    );
    // Still healthy, still administered.
    checkAnswer(await send('GET', '/bodhi/v1/tokens'), [200]);
  });
});

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
