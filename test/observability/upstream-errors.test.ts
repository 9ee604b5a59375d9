// Upstream failures as they show in /metrics (bodhi_upstream_errors_total by kind) and in the
// request log (status, outcome), through real sockets: an upstream answering 500/503/429, one
// that breaks mid-body or mid-stream, one that refuses connections, and a client that leaves
// before the upstream's headers (recorded as 499, the nginx convention).
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/store/types.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { waitFor } from '../support/wait.js';

/** Reads one sample from Prometheus text; 0 when the series does not exist (yet). */
function metric(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([^{ ]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

describe('upstream errors in /metrics and the request log', () => {
  let gw: TestGateway;
  let up: FakeUpstream;
  let token: string;

  beforeAll(async () => {
    up = await startFakeUpstream({ eventDelayMs: 1 });
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'chat', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-4o', 'm-500', 'm-503', 'm-429', 'm-404', 'm-broke', 'm-leave'] });
    await gw.addApiModel({ name: 'res', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
    await gw.addApiModel({ name: 'refused', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', models: ['m-refused'] });
    token = await gw.createToken('errors');
  });
  afterAll(async () => {
    await gw?.close();
    await up?.close();
  });

  const errors = async (apiModel: string, kind: string) => metric(await (await gw.call('/metrics')).text(), 'bodhi_upstream_errors_total', { api_model: apiModel, kind });
  const allErrors = async (apiModel: string) => metric(await (await gw.call('/metrics')).text(), 'bodhi_upstream_errors_total', { api_model: apiModel });
  const chat = (model: string) => gw.call('/v1/chat/completions', { method: 'POST', token, json: { model, messages: [{ role: 'user', content: 'hi' }] } });

  /** The request-log row of the one call made with `model` (waits for the writer). */
  async function row(model: string, route = '/v1/chat/completions'): Promise<RequestLogEntry> {
    const gateway = gw.server.gateway;
    let found: RequestLogEntry[] = [];
    await waitFor(
      async () => {
        await gateway.requestLog.flush();
        found = (await gateway.store.listRequestLogs({ limit: 1_000 })).filter((r) => r.model === model && r.route === route);
        return found.length > 0;
      },
      5_000,
      `a request-log row for ${model}`,
    );
    expect(found).toHaveLength(1);
    return found[0]!;
  }

  it.each([
    [500, 'm-500'],
    [503, 'm-503'],
  ])('an upstream %i is counted as kind http_5xx and logged with its status, outcome completed', async (status, model) => {
    const before = await errors('chat', 'http_5xx');
    const before429 = await errors('chat', 'http_429');
    up.setFault({ status, body: '{"error":{"message":"down","type":"server_error","param":null,"code":null}}', times: 1 });
    const res = await chat(model);
    expect(res.status).toBe(status);
    await res.text();
    // The row is written by the same call that counts the error: once it is there, so is the count.
    expect(await row(model)).toMatchObject({ status, outcome: 'completed', apiModelName: 'chat', tokenName: 'errors' });
    expect(await errors('chat', 'http_5xx')).toBe(before + 1);
    expect(await errors('chat', 'http_429')).toBe(before429);
  });

  it('an upstream 429 is counted as kind http_429, not http_5xx', async () => {
    const before5xx = await errors('chat', 'http_5xx');
    const before = await errors('chat', 'http_429');
    up.setFault({ status: 429, headers: { 'retry-after': '1' }, times: 1 });
    const res = await chat('m-429');
    expect(res.status).toBe(429);
    await res.text();
    expect(await row('m-429')).toMatchObject({ status: 429, outcome: 'completed' });
    expect(await errors('chat', 'http_429')).toBe(before + 1);
    expect(await errors('chat', 'http_5xx')).toBe(before5xx);
  });

  it('a 200 or a 4xx other than 429 is no upstream error', async () => {
    const before = await allErrors('chat');
    expect((await chat('gpt-4o')).status).toBe(200);
    up.setFault({ status: 404, times: 1 });
    const res = await chat('m-404');
    expect(res.status).toBe(404);
    await res.text();
    expect(await row('m-404')).toMatchObject({ status: 404, outcome: 'completed' });
    expect(await allErrors('chat')).toBe(before);
  });

  it('a JSON body cut mid-way is counted as broke_mid_body and logged as upstream_broke with the status sent', async () => {
    const before = await errors('chat', 'broke_mid_body');
    up.setFault({ resetMidBodyAfterBytes: 40, times: 1 });
    const res = await chat('m-broke');
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(await row('m-broke')).toMatchObject({ status: 200, outcome: 'upstream_broke', apiModelName: 'chat' });
    expect(await errors('chat', 'broke_mid_body')).toBe(before + 1);
  });

  it('a stream cut mid-way is counted as broke_mid_body and logged as upstream_broke', async () => {
    const before = await errors('res', 'broke_mid_body');
    up.setFault({ resetMidStreamAfterEvents: 2, times: 1 });
    const res = await gw.call('/v1/responses', { method: 'POST', token, json: { model: 'gpt-5', input: 'cut', stream: true } });
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(await row('gpt-5', '/v1/responses')).toMatchObject({ status: 200, outcome: 'upstream_broke', stream: true });
    expect(await errors('res', 'broke_mid_body')).toBe(before + 1);
  });

  it('a refused connection is counted as kind refused and logged as upstream_failed 502', async () => {
    const before = await errors('refused', 'refused');
    const res = await chat('m-refused');
    expect(res.status).toBe(502);
    await res.text();
    expect(await row('m-refused')).toMatchObject({ status: 502, outcome: 'upstream_failed', ttfbMs: null });
    expect(await errors('refused', 'refused')).toBe(before + 1);
  });

  it('a client that leaves before the upstream headers is logged as client_closed with status 499, and is no upstream error', async () => {
    const before = await allErrors('chat');
    const requestsBefore = await (await gw.call('/metrics')).text();
    up.setFault({ slowHeadersMs: 10_000, times: 1 });
    const seen = up.requests.length;
    const body = JSON.stringify({ model: 'm-leave', messages: [{ role: 'user', content: 'bye' }] });
    const req = httpRequest(`${gw.url}/v1/chat/completions`, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    req.on('error', () => undefined);
    req.end(body);
    await waitFor(() => up.requests.length > seen, 5_000, 'the request reached the upstream');
    req.destroy();
    await up.waitForAbort(5_000);
    expect(await row('m-leave')).toMatchObject({ status: 499, outcome: 'client_closed', apiModelName: 'chat', ttfbMs: null });
    const after = await (await gw.call('/metrics')).text();
    const with499 = (text: string) => metric(text, 'bodhi_requests_total', { route: '/v1/chat/completions', api_model: 'chat', status: '499' });
    expect(with499(after)).toBe(with499(requestsBefore) + 1);
    expect(await allErrors('chat')).toBe(before);
  });
});
