// Byte-level checks with raw HTTP: what the upstream sends is what the client gets, and what
// the client sends is what the upstream gets (but for auth and the model prefix).
import { request as httpRequest } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor, waitUntil } from '../support/wait.js';
import { bytesOf, startE2E, type E2E } from './setup.js';

describe('pure pass-through', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E();
  });
  afterEach(() => e.responsesUpstream.setFault(null));
  afterAll(() => e.close());

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${e.gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e.userToken}`, 'content-type': 'application/json', ...headers },
      body,
    });

  it('forwards the body unchanged but for the prefix on model, unknown fields and formatting kept', async () => {
    const body = '{\n  "input" : "héllo \\u00e9",\n  "model":"res/gpt-5",  "x_unknown_field": {"deep": [1, 2.50, null]},\n  "metadata": {"model": "res/not-touched"}\n}';
    const res = await post('/v1/responses', body);
    expect(res.status).toBe(200);
    const sent = e.responsesUpstream.requests.at(-1)!;
    expect(sent.body.toString('utf8')).toBe(body.replace('"res/gpt-5"', '"gpt-5"'));
    expect(sent.headers['content-length']).toBe(String(sent.body.length));
  });

  it('streams SSE bytes exactly as the upstream wrote them', async () => {
    const res = await post('/v1/responses', JSON.stringify({ model: 'res/gpt-5', input: 'bytes please', stream: true }));
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const got = await bytesOf(res);
    const sent = e.responsesUpstream.lastSentBody()!;
    expect(got.equals(sent)).toBe(true);
    expect(got.toString()).not.toContain('[DONE]');
    expect(got.toString()).toMatch(/^event: response.created\ndata: /);
  });

  it('replays a stream with starting_after, query forwarded byte for byte', async () => {
    const created = (await (await post('/v1/responses', JSON.stringify({ model: 'res/gpt-5', input: 'replay' }))).json()) as { id: string };
    const query = '?stream=true&starting_after=3&include%5B%5D=reasoning.encrypted_content&include%5B%5D=message.output_text.logprobs';
    const res = await fetch(`${e.gw.url}/v1/responses/${created.id}${query}`, { headers: { authorization: `Bearer ${e.userToken}` } });
    expect(res.status).toBe(200);
    const got = await bytesOf(res);
    const upstreamUrl = `/v1/responses/${created.id}${query}`;
    expect(e.responsesUpstream.requests.at(-1)!.url).toBe(upstreamUrl);
    expect(got.equals(e.responsesUpstream.sentBodies.get(`GET ${upstreamUrl}`)!)).toBe(true);
    const seqs = [...got.toString().matchAll(/"sequence_number":(\d+)/g)].map((m) => Number(m[1]));
    expect(seqs[0]).toBe(4);
  });

  it('streams chat SSE ending with the upstream [DONE], byte for byte', async () => {
    const res = await post('/v1/chat/completions', JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'x' }], stream: true, stream_options: { include_usage: true } }));
    const got = await bytesOf(res);
    expect(got.equals(e.chatUpstream.lastSentBody()!)).toBe(true);
    expect(got.toString().endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('passes upstream headers through, minus hop-by-hop and set-cookie', async () => {
    const res = await post('/v1/responses', JSON.stringify({ model: 'res/gpt-5', input: 'headers' }));
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(res.headers.get('openai-processing-ms')).not.toBeNull();
    expect(res.headers.get('openai-version')).toBe('2020-10-01');
    expect(res.headers.get('x-ratelimit-remaining-requests')).toBe('9999');
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('sends the API key upstream and no client credential', async () => {
    await post('/v1/responses', JSON.stringify({ model: 'res/gpt-5', input: 'creds' }), { cookie: 'sid=abc', 'x-api-key': 'client-key', 'openai-organization': 'org-1' });
    const sent = e.responsesUpstream.requests.at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${e.responsesUpstream.apiKey}`);
    expect(sent.headers.cookie).toBeUndefined();
    expect(sent.headers['x-api-key']).toBeUndefined();
    // The billed organization is the API model's choice, never the client's.
    expect(sent.headers['openai-organization']).toBeUndefined();
    expect(JSON.stringify(sent.rawHeaders)).not.toContain(e.userToken);
  });

  it('passes upstream errors through verbatim, status, body and retry-after', async () => {
    const body = '{"error":{"message":"Rate limit reached for gpt-5","type":"requests","param":null,"code":"rate_limit_exceeded"}}';
    e.responsesUpstream.setFault({ path: '/v1/responses', status: 429, body, headers: { 'retry-after': '7', 'content-type': 'application/json' }, times: 1 });
    const res = await post('/v1/responses', JSON.stringify({ model: 'res/gpt-5', input: 'x' }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(await res.text()).toBe(body);
  });

  it('answers 502 with the envelope, naming the API model but not its key, when the upstream is unreachable', async () => {
    await e.gw.addApiModel({ name: 'dead', api_format: 'openai_responses', base_url: 'http://127.0.0.1:9/v1', api_key: 'sk-dead-SECRET', models: ['dead-model'] });
    const res = await post('/v1/responses', JSON.stringify({ model: 'dead-model', input: 'x' }));
    expect(res.status).toBe(502);
    const text = await res.text();
    expect(JSON.parse(text)).toEqual({
      error: { message: expect.stringContaining("API model 'dead'"), type: 'upstream_error', param: null, code: 'upstream_unavailable' },
    });
    expect(text).toContain('connection refused');
    expect(text).not.toContain('SECRET');
  });

  it('aborts the upstream request as soon as the client disconnects mid-stream', async () => {
    const slow = e.responsesUpstream;
    const controller = new AbortController();
    const res = await post('/v1/responses', JSON.stringify({ model: 'res/gpt-5', input: 'a b c d e f g h i j k l m n o p', stream: true }), {});
    const reader = res.body!.getReader();
    await reader.read();
    controller.abort();
    await reader.cancel();
    const abort = await slow.waitForAbort(2000);
    expect(abort.url).toBe('/v1/responses');

    // Still one access-log line and one request-log row, though Fastify's onResponse never runs.
    const gateway = e.gw.server.gateway;
    await waitUntil(async () => {
      await gateway.requestLog.flush();
      return (await gateway.store.listRequestLogs({ limit: 200 })).some((r) => r.outcome === 'client_closed' && r.stream);
    }, 2_000);
    expect(e.gw.logs.some((l) => l.includes('"msg":"request"') && l.includes('"outcome":"client_closed"'))).toBe(true);
  });

  it('aborts the upstream when the client disconnects while waiting for headers', async () => {
    const SLOW_HEADERS_MS = 10_000;
    e.responsesUpstream.setFault({ path: '/v1/responses', slowHeadersMs: SLOW_HEADERS_MS, times: 1 });
    const body = JSON.stringify({ model: 'res/gpt-5', input: 'slow' });
    const seen = e.responsesUpstream.requests.length;
    const req = httpRequest(`${e.gw.url}/v1/responses`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e.userToken}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('error', () => undefined);
    req.end(body);
    await waitFor(() => e.responsesUpstream.requests.length > seen, 5_000, 'the request reached the upstream');
    const closedAt = performance.now();
    req.destroy();
    const abort = await e.responsesUpstream.waitForAbort(5_000);
    expect(abort.url).toBe('/v1/responses');
    // Long before the upstream would have answered, so the client's close caused it. How fast
    // (under 100 ms) is measured as a median of several samples in reliability/client-faults.
    expect(abort.at - closedAt).toBeLessThan(SLOW_HEADERS_MS / 5);
  });
});
