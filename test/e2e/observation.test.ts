// What the gateway reads from an upstream's answer as it passes, against upstreams that do not
// behave: usage counts that are negative or not integers (must not break /metrics or the usage
// figures), and bodies compressed although the gateway asked for identity (must still yield the
// response id and usage, while the client gets the compressed bytes exactly as sent).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { rawRequest } from '../support/raw-http.js';

describe('usage that is not a count', () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  beforeAll(async () => {
    up = await startFakeUpstream({ usage: { input_tokens: 3, output_tokens: -5 }, eventDelayMs: 1 });
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'neg', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('is ignored and counted as malformed; /metrics and the usage figures stay sound', async () => {
    const streamed = await gw.call('/v1/responses', { method: 'POST', json: { model: 'gpt-5', input: 'x', stream: true } });
    expect(await streamed.text()).toContain('"output_tokens":-5');
    const json = await gw.call('/v1/responses', { method: 'POST', json: { model: 'gpt-5', input: 'y' } });
    expect(json.status).toBe(200);
    await gw.server.gateway.requestLog.flush();
    for (let i = 0; i < 2; i++) {
      const metrics = await gw.call('/metrics');
      expect(metrics.status).toBe(200);
      const text = await metrics.text();
      expect(text).toMatch(/bodhi_upstream_malformed_usage_total\{api_model="neg"\} 2/);
      expect(text).toMatch(/bodhi_model_tokens_total\{api_model="neg",model="gpt-5",kind="input"\} 6/);
      expect(text).not.toMatch(/bodhi_model_tokens_total\{[^}]*kind="output"\}/);
    }
    const usage = (await (await gw.call('/bodhi/v1/usage?since=1h')).json()) as { totals: Record<string, number> };
    expect(usage.totals).toMatchObject({ requests: 2, input_tokens: 6, output_tokens: 0, total_tokens: 6 });
  });
});

const RESPONSE = (id: string) =>
  JSON.stringify({ id, object: 'response', status: 'completed', model: 'gpt-5', output: [], usage: { input_tokens: 12, output_tokens: 8, total_tokens: 20 } });
const STREAM = (id: string) =>
  `event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"${id}","status":"in_progress","usage":null}}\n\n` +
  `event: response.completed\ndata: {"type":"response.completed","sequence_number":1,"response":${RESPONSE(id)}}\n\n`;
const COMPRESS = { gzip: gzipSync, deflate: deflateSync, br: brotliCompressSync, 'x-unknown': (b: Buffer) => b } as const;

/** An upstream that ignores `accept-encoding: identity` and compresses as the test asks (x-test-encoding). */
function compressingUpstream(): Promise<{ server: Server; url: string; sent: Map<string, Buffer>; gets: string[] }> {
  const sent = new Map<string, Buffer>();
  const gets: string[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const encoding = req.headers['x-test-encoding'] as keyof typeof COMPRESS;
      if (req.method === 'GET') {
        gets.push(req.url!);
        res.writeHead(200, { 'content-type': 'application/json' }).end(RESPONSE(req.url!.split('/').at(-1)!));
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean };
      const id = `resp_z${++n}`;
      const bytes = COMPRESS[encoding](Buffer.from(body.stream ? STREAM(id) : RESPONSE(id)));
      sent.set(id, bytes);
      res.writeHead(200, { 'content-type': body.stream ? 'text/event-stream' : 'application/json', 'content-encoding': encoding });
      // Two writes: the id is not in the first one's inflated bytes for every encoding.
      res.write(bytes.subarray(0, 5));
      setTimeout(() => res.end(bytes.subarray(5)), 5);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, sent, gets })));
}

describe('compressed answers', () => {
  let up: Awaited<ReturnType<typeof compressingUpstream>>;
  let other: FakeUpstream;
  let gw: TestGateway;
  let alice: string;
  let bob: string;
  beforeAll(async () => {
    up = await compressingUpstream();
    other = await startFakeUpstream();
    gw = await startTestGateway();
    // Two Responses-format API models: an id without a routing record would not route at all.
    await gw.addApiModel({ name: 'zip', api_format: 'openai_responses', base_url: up.url, api_key: 'sk-zip', models: ['gpt-5'] });
    await gw.addApiModel({ name: 'other', api_format: 'openai_responses', base_url: other.url, api_key: other.apiKey, models: ['other-model'] });
    alice = await gw.createToken('alice');
    bob = await gw.createToken('bob');
  });
  afterAll(async () => {
    await gw.close();
    await other.close();
    await new Promise((resolve) => up.server.close(resolve));
  });

  it.each([
    ['gzip', false],
    ['deflate', false],
    ['br', false],
    ['gzip', true],
    ['br', true],
  ] as const)('%s (stream: %s): bytes pass unchanged; id and usage are read', async (encoding, stream) => {
    const res = await rawRequest(gw.url, {
      method: 'POST',
      path: '/v1/responses',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json', 'x-test-encoding': encoding },
      body: JSON.stringify({ model: 'gpt-5', input: 'hi', stream }),
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe(encoding);
    const id = [...up.sent.keys()].at(-1)!;
    expect(res.body.equals(up.sent.get(id)!)).toBe(true);

    // The routing record: the owner's GET reaches this upstream without ?model=, bob's is a 404.
    expect((await gw.call(`/v1/responses/${id}`, { token: bob })).status).toBe(404);
    expect((await gw.call(`/v1/responses/${id}`, { token: alice })).status).toBe(200);
    expect(up.gets.at(-1)).toBe(`/v1/responses/${id}`);

    await gw.server.gateway.requestLog.flush();
    const rows = (await gw.server.gateway.store.listRequestLogs({ limit: 500 })).filter((r) => r.responseId === id && r.method === 'POST');
    expect(rows).toMatchObject([{ inputTokens: 12, outputTokens: 8, usageCounted: true, stream }]);
  });

  it('an encoding the gateway cannot undo passes unchanged and is counted as unreadable', async () => {
    const res = await rawRequest(gw.url, {
      method: 'POST',
      path: '/v1/responses',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json', 'x-test-encoding': 'x-unknown' },
      body: JSON.stringify({ model: 'gpt-5', input: 'hi' }),
    });
    expect(res.status).toBe(200);
    const id = [...up.sent.keys()].at(-1)!;
    expect(res.body.equals(up.sent.get(id)!)).toBe(true);
    const metrics = await (await gw.call('/metrics')).text();
    expect(metrics).toMatch(/bodhi_upstream_unreadable_answers_total\{api_model="zip"\} 1/);
    expect(gw.logs.some((l) => l.includes('upstream answer could not be read') && l.includes('x-unknown'))).toBe(true);
  });
});
