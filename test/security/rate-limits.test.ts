// Per-token requests-per-minute limits over HTTP: 429 with retry-after and the OpenAI envelope,
// nothing forwarded, other tokens unaffected, changes live, counted per instance.
import OpenAI, { RateLimitError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/app/logger.js';
import { startServer } from '../../src/app/start.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

describe('per-token rate limits', () => {
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

  const create = (token: string) => gw.call('/v1/responses', { method: 'POST', token, json: { model: 'gpt-5', input: 'hi' } });

  it('answers the request over the limit with 429, retry-after and the envelope; forwards nothing', async () => {
    const limited = await gw.createToken('limited', 'user', { rate_limit_rpm: 3 });
    for (let i = 0; i < 3; i++) expect((await create(limited)).status).toBe(200);
    const before = up.requests.length;
    const res = await create(limited);
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
    expect(await res.json()).toEqual({
      error: { message: `Rate limit reached for this token: 3 requests per minute. Please try again in ${retryAfter}s.`, type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
    });
    expect(up.requests.length).toBe(before);
    // Every route counts, GET /v1/models included.
    expect((await gw.call('/v1/models', { token: limited })).status).toBe(429);
  });

  it('the SDK sees a RateLimitError', async () => {
    const token = await gw.createToken('sdk-limited', 'user', { rate_limit_rpm: 1 });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: token, maxRetries: 0 });
    await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] });
    const err = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).code).toBe('rate_limit_exceeded');
  });

  it('other tokens and tokens without a limit are not affected', async () => {
    const a = await gw.createToken('a', 'user', { rate_limit_rpm: 1 });
    const b = await gw.createToken('b', 'user', { rate_limit_rpm: 1 });
    const free = await gw.createToken('free');
    expect((await create(a)).status).toBe(200);
    expect((await create(a)).status).toBe(429);
    expect((await create(b)).status).toBe(200);
    const statuses = await Promise.all(Array.from({ length: 60 }, () => gw.call('/v1/models', { token: free }).then((r) => r.status)));
    expect(new Set(statuses)).toEqual(new Set([200]));
  });

  it('applies limit changes from the management API at once, and applies to admin tokens on the management API', async () => {
    const token = await gw.createToken('changing', 'user', { rate_limit_rpm: 1 });
    expect((await create(token)).status).toBe(200);
    expect((await create(token)).status).toBe(429);
    const put = await gw.call('/bodhi/v1/tokens/changing', { method: 'PUT', json: { rate_limit_rpm: 5 } });
    expect(put.status).toBe(200);
    await gw.server.gateway.sync.reload();
    expect((await create(token)).status).toBe(200);

    const admin = await gw.createToken('limited-admin', 'admin', { rate_limit_rpm: 2 });
    expect((await gw.call('/bodhi/v1/tokens', { token: admin })).status).toBe(200);
    expect((await gw.call('/bodhi/v1/tokens', { token: admin })).status).toBe(200);
    expect((await gw.call('/bodhi/v1/tokens', { token: admin })).status).toBe(429);
  });

  it('counts per instance: a second gateway on the same database has its own counter', async () => {
    const token = await gw.createToken('per-instance', 'user', { rate_limit_rpm: 1 });
    const second = await startServer(loadConfig({ home: gw.home, host: '127.0.0.1', port: 0 }, {}), createLogger('silent'));
    try {
      expect((await create(token)).status).toBe(200);
      expect((await create(token)).status).toBe(429);
      const other = await fetch(`${second.url}/v1/models`, { headers: { authorization: `Bearer ${token}` } });
      expect(other.status).toBe(200);
    } finally {
      await second.close();
    }
  });
});
