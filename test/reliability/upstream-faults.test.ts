// Upstream faults through the gateway: refused, unresolvable, connect timeout, slow headers,
// 5xx, 429, resets before/mid body and mid stream. The gateway answers with the OpenAI
// envelope while it still can (before the status line), cuts the client when it can't, stays
// up, and leaves no socket or upstream request behind.
import { createServer, type Server, type Socket } from 'node:net';
import OpenAI from 'openai';
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { waitFor } from '../support/wait.js';

const KEY = 'sk-upstream-FAULTS-SECRET-42';

/** A TCP server that accepts and then says nothing: a TLS client never completes its handshake. */
async function silentServer(): Promise<{ port: number; sockets: Set<Socket>; server: Server }> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.resume(); // read (and drop) whatever arrives, so the peer's close is noticed
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, sockets, server };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

describe('upstream faults', () => {
  let gw: TestGateway;
  let up: FakeUpstream;
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let token: string;
  // The test's own client pool, so its sockets can be counted and closed.
  const clientAgent = new Agent({ keepAliveTimeout: 60_000 });
  const CONNECT_TIMEOUT_MS = 300;
  const HEADERS_TIMEOUT_MS = 800;

  beforeAll(async () => {
    up = await startFakeUpstream({ apiKey: KEY, eventDelayMs: 1 });
    silent = await silentServer();
    gw = await startTestGateway({ connectTimeoutMs: CONNECT_TIMEOUT_MS, upstreamHeadersTimeoutMs: HEADERS_TIMEOUT_MS });
    const add = (name: string, format: string, base_url: string, models: string[]) =>
      gw.addApiModel({ name, api_format: format, base_url, api_key: KEY, models });
    await add('healthy', 'openai', up.url, ['gpt-4o']);
    await add('healthy-responses', 'openai_responses', up.url, ['gpt-5']);
    await add('refused', 'openai', `http://127.0.0.1:${await closedPort()}/v1`, ['m-refused']);
    await add('dns', 'openai', 'http://nonexistent.invalid/v1', ['m-dns']);
    await add('tls-hang', 'openai', `https://127.0.0.1:${silent.port}/v1`, ['m-hang']);
    token = await gw.createToken('faults');
  });
  afterAll(async () => {
    if (!clientAgent.closed) await clientAgent.close();
    await gw.close();
    await up.close();
    await new Promise<void>((resolve) => silent.server.close(() => resolve()));
  });

  // The SDK on the same counted pool.
  const clientFetch = ((url: string, init?: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher: clientAgent })) as unknown as typeof fetch;
  const post = (path: string, json: unknown) =>
    undiciFetch(`${gw.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(json),
      dispatcher: clientAgent,
    });
  const chat = (model: string, extra: Record<string, unknown> = {}) => post('/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }], ...extra });

  async function expect502(res: Awaited<ReturnType<typeof chat>>, apiModel: string, what: string, status = 502, code = 'upstream_unavailable') {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as ErrorBody;
    expect(body).toEqual({ error: { message: expect.stringContaining(what), type: 'upstream_error', param: null, code } });
    expect(body.error.message).toContain(`API model '${apiModel}'`);
    expect(body.error.message).not.toContain(KEY);
  }

  it('connection refused: 502 in the OpenAI envelope', async () => {
    await expect502(await chat('m-refused'), 'refused', 'connection refused');
  });

  it('unresolvable host: 502', async () => {
    await expect502(await chat('m-dns'), 'dns', 'host could not be resolved');
  });

  it('connect timeout (TLS handshake never completes): 502 after the configured connect timeout', async () => {
    // Loopback has no unroutable address that reliably hangs a TCP connect, so the hang is put
    // in the TLS handshake: undici's connect timeout covers TCP connect + TLS handshake.
    const started = performance.now();
    const res = await chat('m-hang');
    const took = performance.now() - started;
    await expect502(res, 'tls-hang', 'connect timed out');
    expect(took).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS - 20);
    expect(took).toBeLessThan(CONNECT_TIMEOUT_MS + 1_500);
    // The half-open connection was given up, not left behind.
    await waitFor(() => silent.sockets.size === 0, 2_000, 'the gateway closed its side of the hung TLS connection');
  });

  it('slow headers: waits for a slow upstream; past BODHI_UPSTREAM_HEADERS_TIMEOUT_MS answers 504 and aborts the upstream request', async () => {
    up.setFault({ slowHeadersMs: 300, times: 1 });
    const slow = await chat('gpt-4o');
    expect(slow.status).toBe(200);
    expect(((await slow.json()) as { object: string }).object).toBe('chat.completion');

    up.setFault({ slowHeadersMs: 5_000, times: 1 });
    const started = performance.now();
    const res = await chat('gpt-4o');
    await expect502(res, 'healthy', 'timed out waiting for response headers', 504, 'upstream_timeout');
    expect(performance.now() - started).toBeLessThan(HEADERS_TIMEOUT_MS + 2_000); // undici's timers tick coarsely
    await up.waitForAbort(2_000); // the fake saw the gateway give up on it
  });

  it.each([500, 502, 503])('upstream %i passes through verbatim (status, body, headers)', async (status) => {
    const body = JSON.stringify({ error: { message: `upstream says ${status}`, type: 'server_error', param: null, code: null } });
    up.setFault({ status, body, headers: { 'x-upstream-marker': 'yes' }, times: 1 });
    const res = await chat('gpt-4o');
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(body);
    expect(res.headers.get('x-upstream-marker')).toBe('yes');
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
    expect(res.headers.get('set-cookie')).toBeNull();
  });

  it('429 with retry-after: status, body and rate-limit headers unchanged', async () => {
    up.setFault({ status: 429, headers: { 'retry-after': '7', 'retry-after-ms': '6500', 'x-ratelimit-reset-requests': '7s' }, times: 1 });
    const res = await post('/v1/responses', { model: 'gpt-5', input: 'hi' });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(res.headers.get('retry-after-ms')).toBe('6500');
    expect(res.headers.get('x-ratelimit-reset-requests')).toBe('7s');
    expect(Buffer.from(await res.arrayBuffer()).equals(up.lastSentBody()!)).toBe(true);
  });

  it('reset before headers: 502', async () => {
    up.setFault({ resetBeforeHeaders: true, times: 1 });
    await expect502(await chat('gpt-4o'), 'healthy', 'connection reset before a response');
  });

  it('body reset mid-JSON: the client gets the status, then a cut connection (no fake completion)', async () => {
    up.setFault({ resetMidBodyAfterBytes: 40, times: 1 });
    const res = await chat('gpt-4o');
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    await waitFor(() => gw.logs.some((l) => l.includes('upstream connection broke mid-body')), 2_000, 'mid-body break logged');
  });

  it('stream reset mid-SSE: the SDK stream ends with an error, the gateway logs it, the next request works', async () => {
    const logsBefore = gw.logs.length;
    up.setFault({ resetMidStreamAfterEvents: 3, times: 1 });
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: token, maxRetries: 0, fetch: clientFetch });
    const seen: string[] = [];
    await expect(
      (async () => {
        const stream = await client.responses.create({ model: 'gpt-5', input: 'cut me off', stream: true });
        for await (const event of stream) seen.push(event.type);
      })(),
    ).rejects.toThrow();
    expect(seen.slice(0, 3)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);
    expect(seen).not.toContain('response.completed');
    await waitFor(
      () => gw.logs.slice(logsBefore).some((l) => l.includes('upstream connection broke mid-body') && l.includes('"apiModel":"healthy-responses"')),
      2_000,
      'mid-stream break logged',
    );
    const next = await client.responses.create({ model: 'gpt-5', input: 'again' });
    expect(next.status).toBe('completed');
  });

  it('a huge upstream body streams through intact', async () => {
    const size = 48 * 1024 * 1024;
    up.setFault({ hugeBodyBytes: size, times: 1 });
    const res = await chat('gpt-4o');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe(String(size));
    let received = 0;
    let first: Buffer | undefined;
    for await (const chunk of res.body!) {
      first ??= Buffer.from(chunk);
      received += chunk.length;
    }
    expect(received).toBe(size);
    expect(first!.subarray(0, 20).toString()).toBe('{"object":"fake.huge');
  });

  it('stays up and leaves nothing behind: no stuck upstream request, no open client connection', async () => {
    expect((await chat('gpt-4o')).status).toBe(200);
    await clientAgent.close();
    // Gateway side: no client connection left open, no upstream request running or queued.
    await waitFor(async () => (await serverConnections(gw)) === 0, 3_000, 'client connections closed');
    const stats = upstreamStats(gw.server.gateway.dispatcher);
    for (const [origin, s] of Object.entries(stats)) {
      expect({ origin, running: s.running, pending: s.pending, queued: s.queued }).toEqual({ origin, running: 0, pending: 0, queued: 0 });
      expect(s.connected, origin).toBe(s.free); // every pooled connection is idle
    }
    // The fake's open sockets are exactly the gateway's idle pooled connections to it, and the
    // only TCP sockets still holding this process open are the fake's ends of those (the
    // gateway's ends of idle pooled connections are unref'd, so they never keep a process up).
    const healthyOrigin = new URL(up.url).origin;
    const tcpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    await waitFor(
      () => up.openConnections() === (upstreamStats(gw.server.gateway.dispatcher)[healthyOrigin]?.connected ?? 0) && tcpSockets() === up.openConnections(),
      2_000,
      "the fake's sockets match the gateway's idle pool",
    );
    expect(silent.sockets.size).toBe(0);
  });
});

function upstreamStats(dispatcher: Dispatcher): Record<string, { connected: number; free: number; pending: number; queued: number; running: number }> {
  return (dispatcher as unknown as { stats: Record<string, { connected: number; free: number; pending: number; queued: number; running: number }> }).stats;
}

function serverConnections(gw: TestGateway): Promise<number> {
  return new Promise((resolve, reject) => gw.server.app.server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
}
