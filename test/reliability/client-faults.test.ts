// Client faults: clients that leave mid-stream, send too slowly, too much, or nonsense. Each is
// answered with the OpenAI envelope (or a cut connection once a stream has started), nothing
// invalid reaches the upstream, and a client that leaves takes its upstream request with it.
import { request as httpRequest } from 'node:http';
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { jsonAfterHead, rawRequest, rawSocket } from '../support/raw-http.js';
import { sleep, waitFor } from '../support/wait.js';

type Envelope = { error: { message: string; type: string; param: string | null; code: string | null } };
const envelope = (body: Buffer | string) => JSON.parse(body.toString()) as Envelope;

describe('client faults', () => {
  let gw: TestGateway;
  let up: FakeUpstream;
  let token: string;
  const REQUEST_TIMEOUT_MS = 1_000;
  const HEADERS_TIMEOUT_MS = 500;
  const BODY_LIMIT = 1024 * 1024;

  beforeAll(async () => {
    // Streams of ~1.5 s: long enough to leave in the middle of, and longer than the request timeout.
    up = await startFakeUpstream({ eventDelayMs: 10, textDeltas: 140 });
    gw = await startTestGateway({ requestTimeoutMs: REQUEST_TIMEOUT_MS, headersTimeoutMs: HEADERS_TIMEOUT_MS, bodyLimitBytes: BODY_LIMIT });
    await gw.addApiModel({ name: 'r', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
    await gw.addApiModel({ name: 'c', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-4o', 'text-embedding-3-small'] });
    token = await gw.createToken('client');
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const auth = () => ({ authorization: `Bearer ${token}` });
  const jsonHeaders = () => ({ ...auth(), 'content-type': 'application/json' });

  describe('a client that disconnects', () => {
    /** Starts a request, waits for its first response bytes (or `waitMs`), cuts the connection; returns ms until the upstream saw the abort. */
    async function cutAndTimeAbort(path: string, body: unknown, waitForBytes: boolean): Promise<number> {
      const url = new URL(gw.url);
      const req = httpRequest({ host: url.hostname, port: url.port, method: 'POST', path, headers: jsonHeaders(), agent: false });
      req.on('error', () => undefined);
      const seen = up.requests.length;
      req.end(JSON.stringify(body));
      if (waitForBytes) {
        const [res] = (await once(req, 'response')) as [IncomingMessage];
        await once(res, 'data');
      } else {
        await waitFor(() => up.requests.length > seen, 2_000, 'request reached the upstream');
      }
      const cutAt = performance.now();
      req.destroy();
      const abort = await up.waitForAbort(2_000);
      return abort.at - cutAt;
    }

    // Each case runs several times and the median must be under 100 ms: the gateway reacts to
    // the close event itself, so only a CPU stall (other test files, other processes) can
    // delay one sample.
    async function medianAbortMs(what: string, run: () => Promise<number>): Promise<number> {
      const samples: number[] = [];
      for (let i = 0; i < 5; i++) samples.push(await run());
      samples.sort((a, b) => a - b);
      console.log(`abort latency, ${what}: median ${samples[2]!.toFixed(2)} ms, max ${samples[4]!.toFixed(2)} ms`);
      return samples[2]!;
    }

    it('mid-stream (Responses SSE): the upstream request is aborted within 100 ms', async () => {
      const ms = await medianAbortMs('responses stream', () => cutAndTimeAbort('/v1/responses', { model: 'gpt-5', input: 'long', stream: true }, true));
      expect(ms).toBeLessThan(100);
    });

    it('mid-stream (Chat SSE): the upstream request is aborted within 100 ms', async () => {
      const ms = await medianAbortMs('chat stream', () =>
        cutAndTimeAbort('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'long' }], stream: true }, true),
      );
      expect(ms).toBeLessThan(100);
    });

    it('while waiting for the upstream headers: the upstream request is aborted within 100 ms', async () => {
      const ms = await medianAbortMs('before headers', () => {
        up.setFault({ slowHeadersMs: 5_000, times: 1 });
        return cutAndTimeAbort('/v1/responses', { model: 'gpt-5', input: 'leave-early' }, false);
      });
      expect(ms).toBeLessThan(100);
      await waitFor(() => gw.logs.some((l) => l.includes('client closed the connection; upstream request aborted')), 1_000, 'logged');
    });
  });

  describe('slow clients', () => {
    it('a body sent too slowly (slowloris) is cut after BODHI_REQUEST_TIMEOUT_MS with a 408 envelope; nothing is forwarded', async () => {
      const before = up.requests.length;
      const conn = rawSocket(gw.url);
      const started = performance.now();
      conn.socket.write(`POST /v1/responses HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{`);
      const drip = setInterval(() => conn.socket.writable && conn.socket.write(' '), 50);
      await Promise.race([conn.closed, new Promise((r) => setTimeout(r, 5_000))]);
      clearInterval(drip);
      const took = performance.now() - started;
      expect(conn.socket.destroyed || conn.socket.readableEnded).toBe(true);
      expect(took).toBeGreaterThanOrEqual(REQUEST_TIMEOUT_MS - 50);
      expect(took).toBeLessThan(REQUEST_TIMEOUT_MS + 1_500);
      expect(conn.text()).toMatch(/^HTTP\/1\.1 408 /);
      expect(jsonAfterHead(conn.text())).toEqual({ error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'request_timeout' } });
      expect(up.requests.length).toBe(before);
    });

    it('headers sent too slowly are cut after BODHI_HEADERS_TIMEOUT_MS with a 408 envelope', async () => {
      const conn = rawSocket(gw.url);
      const started = performance.now();
      conn.socket.write('GET /v1/models HTTP/1.1\r\nhost: x\r\n');
      const drip = setInterval(() => conn.socket.writable && conn.socket.write('x-drip: 1\r\n'), 50);
      await Promise.race([conn.closed, new Promise((r) => setTimeout(r, 5_000))]);
      clearInterval(drip);
      const took = performance.now() - started;
      expect(took).toBeLessThan(HEADERS_TIMEOUT_MS + 1_500);
      expect(conn.text()).toMatch(/^HTTP\/1\.1 408 /);
      expect((jsonAfterHead(conn.text()) as Envelope).error.code).toBe('request_timeout');
    });

    it('a connection that never sends anything is closed too', async () => {
      const conn = rawSocket(gw.url);
      const started = performance.now();
      await Promise.race([conn.closed, new Promise((r) => setTimeout(r, 5_000))]);
      expect(performance.now() - started).toBeLessThan(HEADERS_TIMEOUT_MS + 1_500);
    });

    it('an idle kept-alive connection is not cut by the headers timeout (only keepAliveTimeout closes it)', async () => {
      const conn = rawSocket(gw.url);
      conn.socket.write('GET /ping HTTP/1.1\r\nhost: x\r\n\r\n');
      await sleep(3 * HEADERS_TIMEOUT_MS);
      expect(conn.socket.destroyed).toBe(false);
      conn.socket.write('GET /ping HTTP/1.1\r\nhost: x\r\n\r\n');
      await waitFor(() => conn.text().split('HTTP/1.1 200 OK').length === 3, 2_000, 'second answer on the same connection');
      expect(conn.text()).not.toContain('408');
      conn.socket.destroy();
    });

    it('a response longer than the request timeout is never cut (only receiving the request is timed)', async () => {
      const started = performance.now();
      const res = await rawRequest(gw.url, { method: 'POST', path: '/v1/responses', headers: jsonHeaders(), body: JSON.stringify({ model: 'gpt-5', input: 'long', stream: true }) });
      expect(performance.now() - started).toBeGreaterThan(REQUEST_TIMEOUT_MS);
      expect(res.status).toBe(200);
      expect(res.body.toString()).toContain('event: response.completed');
    });

    it('garbage instead of HTTP gets a 400 envelope', async () => {
      const conn = rawSocket(gw.url);
      conn.socket.write('HELLO THERE\r\n\r\n');
      await Promise.race([conn.closed, new Promise((r) => setTimeout(r, 3_000))]);
      expect(conn.text()).toMatch(/^HTTP\/1\.1 400 /);
      expect((jsonAfterHead(conn.text()) as Envelope).error.type).toBe('invalid_request_error');
    });
  });

  describe('request bodies', () => {
    const bigJson = (bytes: number) => {
      const head = '{"model":"gpt-4o","input":"';
      return head + 'a'.repeat(bytes - head.length - 2) + '"}';
    };

    it('over BODHI_BODY_LIMIT_BYTES (content-length) -> 413 envelope, nothing forwarded', async () => {
      const before = up.requests.length;
      const res = await rawRequest(gw.url, { method: 'POST', path: '/v1/embeddings', headers: jsonHeaders(), body: bigJson(BODY_LIMIT + 1) });
      expect(res.status).toBe(413);
      expect(envelope(res.body)).toEqual({ error: { message: `Request body is too large: the limit is ${BODY_LIMIT} bytes.`, type: 'invalid_request_error', param: null, code: 'request_too_large' } });
      expect(up.requests.length).toBe(before);
    });

    it('over the limit sent chunked (no content-length) -> 413 envelope too', async () => {
      const before = up.requests.length;
      const body = bigJson(2 * BODY_LIMIT);
      const parts: string[] = [];
      for (let i = 0; i < body.length; i += 64 * 1024) parts.push(body.slice(i, i + 64 * 1024));
      const res = await rawRequest(gw.url, { method: 'POST', path: '/v1/responses', headers: { ...jsonHeaders(), 'transfer-encoding': 'chunked' }, body: parts });
      expect(res.status).toBe(413);
      expect(envelope(res.body).error.code).toBe('request_too_large');
      expect(up.requests.length).toBe(before);
    });

    it('a body of exactly the limit is forwarded byte for byte', async () => {
      const body = bigJson(BODY_LIMIT);
      const res = await rawRequest(gw.url, { method: 'POST', path: '/v1/embeddings', headers: jsonHeaders(), body });
      expect(res.status).toBe(200);
      expect(up.requests.at(-1)!.body.equals(Buffer.from(body))).toBe(true);
    });

    const ROUTES = ['/v1/responses', '/v1/responses/input_tokens', '/v1/responses/compact', '/v1/chat/completions', '/v1/embeddings'];

    it.each(ROUTES)('%s: malformed JSON 400, non-JSON content types 415, wrong model types 400; nothing forwarded', async (path) => {
      const before = up.requests.length;
      const send = (body: string | undefined, contentType?: string) =>
        rawRequest(gw.url, { method: 'POST', path, headers: contentType ? { ...auth(), 'content-type': contentType } : auth(), body });

      for (const bad of ['{"model":', '{model: "gpt-5"}', "{'model':'gpt-5'}", '{"model":"gpt-5",}', '\u0000', 'nul', '{"a":1}{"b":2}']) {
        const res = await send(bad, 'application/json');
        expect(res.status, bad).toBe(400);
        expect(envelope(res.body).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_json' });
      }
      for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/octet-stream', 'application/jsonx', 'text/json']) {
        const res = await send('{"model":"gpt-5"}', type);
        expect(res.status, type).toBe(415);
        expect(envelope(res.body).error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_media_type' });
      }
      const noType = await send('{"model":"gpt-5"}');
      expect(noType.status).toBe(415);
      for (const [model, got] of [['5', 'a number'], ['true', 'a boolean'], ['null', 'null'], ['{"id":"gpt-5"}', 'a object'], ['["gpt-5"]', 'an array']] as const) {
        const res = await send(`{"model":${model},"input":"x"}`, 'application/json');
        expect(res.status, model).toBe(400);
        expect(envelope(res.body).error).toEqual({
          message: `Invalid type for 'model': expected a string, but got ${got} instead.`,
          type: 'invalid_request_error',
          param: 'model',
          code: 'invalid_type',
        });
      }
      for (const body of ['', '[]', '"gpt-5"', '42']) {
        const res = await send(body, 'application/json');
        expect(res.status, body).toBe(400);
      }
      expect(up.requests.length).toBe(before);
    });

    it('JSON with a charset parameter or upper-case type is accepted', async () => {
      for (const type of ['application/json; charset=utf-8', 'Application/JSON']) {
        const res = await rawRequest(gw.url, { method: 'POST', path: '/v1/embeddings', headers: { ...auth(), 'content-type': type }, body: '{"model":"text-embedding-3-small","input":"x"}' });
        expect(res.status, type).toBe(200);
      }
    });
  });

  describe('hostile response ids', () => {
    // Sent as raw request paths: no client-side normalisation of `..` or percent escapes.
    const HOSTILE = [
      '..',
      '.',
      '%2e%2e',
      '..%2F..%2Fbodhi%2Fv1%2Ftokens',
      'resp%2F1',
      'resp%2f..%2f..',
      '%252F',
      'a'.repeat(257),
      'a'.repeat(10_000),
      'r%C3%A9sp',
      'resp_%E2%80%AE1',
      'resp_%F0%9F%92%A5',
      'resp_1%00',
      'resp.1',
      'resp%201',
      'resp_1;x',
      "resp_'1",
      'resp_%0D%0Ax-injected:%201',
      '~root',
      'resp_1:x',
    ];
    const ROUTES: [string, (id: string) => string][] = [
      ['GET', (id) => `/v1/responses/${id}?model=gpt-5`],
      ['DELETE', (id) => `/v1/responses/${id}?model=gpt-5`],
      ['GET', (id) => `/v1/responses/${id}/input_items?model=gpt-5`],
      ['POST', (id) => `/v1/responses/${id}/cancel?model=gpt-5`],
      ['PUT', (id) => `/v1/responses/${id}?model=gpt-5`],
      ['PATCH', (id) => `/v1/responses/${id}/cancel?model=gpt-5`],
    ];

    // Each case carries its own path builder (two routes share GET, two share the /cancel path).
    it.each(ROUTES.map(([m, p]) => [m, p('{id}'), p] as const))('%s %s: 400 invalid_response_id for every hostile id; nothing forwarded', async (method, pattern, pathOf) => {
      expect(pathOf('{id}')).toBe(pattern);
      const before = up.requests.length;
      for (const id of HOSTILE) {
        const path = pathOf(id);
        expect(path.includes(id), 'the hostile id is in the path sent').toBe(true);
        const res = await rawRequest(gw.url, { method, path, headers: auth() });
        expect(res.status, `${method} ${id.slice(0, 40)}`).toBe(400);
        expect(envelope(res.body).error).toMatchObject({ param: 'response_id', code: 'invalid_response_id', type: 'invalid_request_error' });
      }
      expect(up.requests.length).toBe(before);
    });

    it('dot segments that walk out of /v1/responses are not resolved: 400, nothing forwarded', async () => {
      const before = up.requests.length;
      for (const path of ['/v1/responses/../../bodhi/v1/tokens', '/v1/responses/./../models', '/v1/responses/..%2F..%2Fbodhi/v1/info']) {
        const res = await rawRequest(gw.url, { path, headers: { authorization: `Bearer ${token}` } });
        expect(res.status, path).toBe(400);
      }
      expect(up.requests.length).toBe(before);
    });

    it('malformed percent-escapes and over-long path segments get the envelope (400 / 414), nothing forwarded', async () => {
      const before = up.requests.length;
      for (const path of ['/v1/responses/%)', '/v1/responses/%zz/cancel', '/v1/models/%', '/bodhi/v1/tokens/%E0%A4%A']) {
        const res = await rawRequest(gw.url, { path, headers: auth() });
        expect(res.status, path).toBe(400);
        expect(envelope(res.body).error).toMatchObject({ type: 'invalid_request_error', code: 'invalid_url' });
      }
      const long = await rawRequest(gw.url, { path: `/bodhi/v1/tokens/${'a'.repeat(300)}`, headers: auth() });
      expect(long.status).toBe(414);
      expect(envelope(long.body).error.code).toBe('uri_too_long');
      expect(up.requests.length).toBe(before);
    });

    it('raw (unescaped) UTF-8 bytes in the id: 400, nothing forwarded', async () => {
      const before = up.requests.length;
      const conn = rawSocket(gw.url);
      conn.socket.write(Buffer.concat([Buffer.from('GET /v1/responses/r'), Buffer.from('é💥', 'utf8'), Buffer.from(`sp?model=gpt-5 HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\nconnection: close\r\n\r\n`)]));
      await Promise.race([conn.closed, new Promise((r) => setTimeout(r, 3_000))]);
      expect(conn.text()).toMatch(/^HTTP\/1\.1 400 /);
      expect(up.requests.length).toBe(before);
    });

    it('a well-formed id of any allowed length (up to 256) is forwarded', async () => {
      for (const id of ['resp_1', `resp_${'a'.repeat(120)}`, 'x'.repeat(256)]) {
        const res = await rawRequest(gw.url, { path: `/v1/responses/${id}?model=gpt-5`, headers: auth() });
        expect(res.status, `${id.length} chars`).toBe(404); // the fake's own not-found
        expect(envelope(res.body).error.message).toBe(`Response with id '${id}' not found.`);
        expect(up.requests.at(-1)!.url).toBe(`/v1/responses/${id}`);
      }
    });
  });

  describe('with the default body limit (32 MiB)', () => {
    let def: TestGateway;
    beforeAll(async () => {
      def = await startTestGateway();
      await def.addApiModel({ name: 'c', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['text-embedding-3-small'] });
    });
    afterAll(() => def.close());

    it('32 MiB is forwarded; one byte more is a 413, also when sent chunked', async () => {
      const LIMIT = 32 * 1024 * 1024;
      const head = '{"model":"text-embedding-3-small","input":"';
      const body = (size: number) => Buffer.concat([Buffer.from(head), Buffer.alloc(size - head.length - 2, 0x61), Buffer.from('"}')]);
      const headers = { authorization: `Bearer ${def.adminToken}`, 'content-type': 'application/json' };
      const at = await rawRequest(def.url, { method: 'POST', path: '/v1/embeddings', headers, body: body(LIMIT), timeoutMs: 30_000 });
      expect(at.status).toBe(200);
      expect(up.requests.at(-1)!.body.length).toBe(LIMIT);
      const before = up.requests.length;
      const over = await rawRequest(def.url, { method: 'POST', path: '/v1/embeddings', headers, body: body(LIMIT + 1), timeoutMs: 30_000 });
      expect(over.status).toBe(413);
      expect(envelope(over.body).error.message).toBe(`Request body is too large: the limit is ${LIMIT} bytes.`);
      const big = body(LIMIT + 1);
      const chunks: Buffer[] = [];
      for (let i = 0; i < big.length; i += 1024 * 1024) chunks.push(big.subarray(i, i + 1024 * 1024));
      const chunked = await rawRequest(def.url, { method: 'POST', path: '/v1/embeddings', headers: { ...headers, 'transfer-encoding': 'chunked' }, body: chunks, timeoutMs: 30_000 });
      expect(chunked.status).toBe(413);
      expect(up.requests.length).toBe(before);
    });
  });
});
