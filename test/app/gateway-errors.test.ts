// Errors the gateway itself produces, through real sockets: every one carries
// `x-bodhi-error: gateway` (so clients and the web UI can tell the gateway's 401 from an
// upstream's), whichever layer answered; an upstream's own errors pass through without it.
// CONNECT, which Node never hands to Fastify, is answered like any other unsupported method.
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startLocalGateway, type LocalTestGateway } from '../support/local.js';
import { jsonAfterHead, rawRequest, rawSocket } from '../support/raw-http.js';

type Envelope = { error: { message: string; type: string; param: string | null; code: string | null } };
const MARK = 'x-bodhi-error';
const BODY_LIMIT = 64 * 1024;

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('gateway errors are marked; upstream errors are not', () => {
  let gw: LocalTestGateway;
  let up: FakeUpstream;
  let token: string;

  beforeAll(async () => {
    up = await startFakeUpstream();
    gw = await startLocalGateway({ BODHI_LOCAL_BINDING: 'off', BODHI_BODY_LIMIT_BYTES: String(BODY_LIMIT) });
    await gw.addApiModel({ name: 'good', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
    await gw.addApiModel({ name: 'wrong-key', api_format: 'openai', base_url: up.url, api_key: 'sk-not-the-upstream-key', models: ['gpt-4o'] });
    await gw.addApiModel({ name: 'down', api_format: 'openai', base_url: `http://127.0.0.1:${await closedPort()}/v1`, api_key: 'sk-x', models: ['down-model'] });
    await gw.addAlias({ name: 'tiny', model_file: gw.model('tiny.gguf') });
    token = gw.userToken;
  });
  afterAll(async () => {
    await gw?.close();
    await up?.close();
  });

  const auth = () => ({ authorization: `Bearer ${token}` });
  const json = () => ({ ...auth(), 'content-type': 'application/json' });

  async function expectGatewayError(res: { status: number; headers: Record<string, unknown>; body: Buffer }, status: number, code?: string) {
    expect(res.status).toBe(status);
    expect(res.headers[MARK]).toBe('gateway');
    const body = JSON.parse(res.body.toString()) as Envelope;
    if (code) expect(body.error.code).toBe(code);
  }

  it('401 without a token, and with an unknown one', async () => {
    await expectGatewayError(await rawRequest(gw.url, { path: '/v1/models' }), 401, 'missing_token');
    await expectGatewayError(await rawRequest(gw.url, { path: '/v1/models', headers: { authorization: 'Bearer sk-bodhiapp_' + 'x'.repeat(43) } }), 401, 'invalid_token');
  });

  it('403 for a user token on the management API', async () => {
    await expectGatewayError(await rawRequest(gw.url, { path: '/bodhi/v1/tokens', headers: auth() }), 403, 'insufficient_scope');
  });

  it('404 for an unknown URL and an unknown model; 400 for validation', async () => {
    await expectGatewayError(await rawRequest(gw.url, { path: '/v1/nothing-here', headers: auth() }), 404, 'unknown_url');
    await expectGatewayError(await rawRequest(gw.url, { path: '/nothing-here' }), 404, 'unknown_url');
    await expectGatewayError(await rawRequest(gw.url, { method: 'POST', path: '/v1/responses', headers: json(), body: '{"model":"no-such-model","input":"x"}' }), 404);
    await expectGatewayError(await rawRequest(gw.url, { method: 'POST', path: '/v1/responses', headers: json(), body: '{"input":"x"}' }), 400, 'missing_required_parameter');
    await expectGatewayError(
      await rawRequest(gw.url, { method: 'POST', path: '/bodhi/v1/tokens', headers: { authorization: `Bearer ${gw.adminToken}`, 'content-type': 'application/json' }, body: '{"scope":"user"}' }),
      400,
      'missing_required_parameter',
    );
  });

  it('413 for a body over the limit', async () => {
    const body = JSON.stringify({ model: 'gpt-5', input: 'x'.repeat(BODY_LIMIT) });
    await expectGatewayError(await rawRequest(gw.url, { method: 'POST', path: '/v1/responses', headers: json(), body }), 413, 'request_too_large');
  });

  it('502 when the upstream cannot be reached', async () => {
    const res = await rawRequest(gw.url, { method: 'POST', path: '/v1/chat/completions', headers: json(), body: '{"model":"down-model","messages":[]}' });
    await expectGatewayError(res, 502);
  });

  it('local alias errors: 503 when llama.cpp is unavailable, 400 for the Responses API', async () => {
    const chat = await rawRequest(gw.url, { method: 'POST', path: '/v1/chat/completions', headers: json(), body: '{"model":"tiny","messages":[{"role":"user","content":"hi"}]}' });
    await expectGatewayError(chat, 503, 'local_inference_unavailable');
    await expectGatewayError(await rawRequest(gw.url, { method: 'POST', path: '/v1/responses', headers: json(), body: '{"model":"tiny","input":"hi"}' }), 400);
  });

  it('400 for a malformed HTTP request (answered before Fastify)', async () => {
    const c = rawSocket(gw.url);
    c.socket.write('GET /v1/models HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n');
    await c.closed;
    expect(c.text()).toMatch(/^HTTP\/1\.1 400 /);
    expect(c.text().toLowerCase()).toContain(`\r\n${MARK}: gateway\r\n`);
  });

  it("an upstream's own 401 and 500 pass through unmarked", async () => {
    const unauthorized = await rawRequest(gw.url, { method: 'POST', path: '/v1/chat/completions', headers: json(), body: '{"model":"gpt-4o","messages":[]}' });
    expect(unauthorized.status).toBe(401);
    expect((JSON.parse(unauthorized.body.toString()) as Envelope).error.code).toBe('invalid_api_key');
    expect(unauthorized.headers[MARK]).toBeUndefined();

    up.setFault({ path: '/v1/responses', status: 500, times: 1 });
    const failed = await rawRequest(gw.url, { method: 'POST', path: '/v1/responses', headers: json(), body: '{"model":"gpt-5","input":"x"}' });
    expect(failed.status).toBe(500);
    expect(failed.headers[MARK]).toBeUndefined();

    // And a success is unmarked too.
    const ok = await rawRequest(gw.url, { path: '/v1/models', headers: auth() });
    expect(ok.status).toBe(200);
    expect(ok.headers[MARK]).toBeUndefined();
  });

  it('an upstream cannot forge the mark: its x-bodhi-* headers are dropped', async () => {
    up.setFault({ path: '/v1/responses', status: 401, headers: { [MARK]: 'gateway' }, times: 1 });
    const res = await rawRequest(gw.url, { method: 'POST', path: '/v1/responses', headers: json(), body: '{"model":"gpt-5","input":"x"}' });
    expect(res.status).toBe(401);
    expect(res.headers[MARK]).toBeUndefined();
  });

  it('CONNECT gets a 405 in the error envelope, then the connection closes', async () => {
    for (const target of ['/v1/responses', '127.0.0.1:443']) {
      const c = rawSocket(gw.url);
      c.socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: 127.0.0.1:443\r\n${target.startsWith('/') ? `Authorization: Bearer ${token}\r\n` : ''}\r\n`);
      await c.closed;
      const text = c.text();
      expect(text, target).toMatch(/^HTTP\/1\.1 405 /);
      expect(text.toLowerCase()).toContain(`\r\n${MARK}: gateway\r\n`);
      expect((jsonAfterHead(text) as Envelope).error).toMatchObject({ type: 'invalid_request_error', code: 'method_not_allowed' });
    }
    // The server goes on serving.
    expect((await rawRequest(gw.url, { path: '/v1/models', headers: auth() })).status).toBe(200);
  });
});

describe('the OpenAPI document', () => {
  it('documents x-bodhi-error on every error response', async () => {
    const gw = await startLocalGateway({ BODHI_LOCAL_BINDING: 'off' });
    try {
      type Op = { responses?: Record<string, { headers?: Record<string, { schema?: { enum?: string[] } }> }> };
      const doc = (await (await gw.call('/api-docs/openapi.json', { token: null })).json()) as { paths: Record<string, Record<string, Op>> };
      let errors = 0;
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) {
          for (const [status, response] of Object.entries(op.responses ?? {})) {
            if (Number(status) < 400) continue;
            errors++;
            expect(response.headers?.[MARK]?.schema?.enum, `${method} ${path} ${status}`).toEqual(['gateway']);
          }
        }
      }
      expect(errors).toBeGreaterThan(50);
    } finally {
      await gw.close();
    }
  });
});
