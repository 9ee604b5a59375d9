// The Responses API over WebSocket through the gateway, on real sockets: the official SDK's
// ResponsesWS client and plain `ws` clients against a fake upstream with WebSocket mode
// (native pass-through) and the plain fake without it (the bridge over HTTP): auth and origin
// before any 101, several turns with previous_response_id and store: false, the warm-up frame,
// a frame for another API model, limits, closes in both directions, records and usage, 426
// when switched off, and the shutdown drain.
import OpenAI from 'openai';
import { ResponsesWS } from 'openai/resources/responses/ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { RequestLogEntry } from '../../src/store/types.js';
import { startFakeResponsesWs, type FakeResponsesWs } from '../support/fake-responses-ws.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { waitFor } from '../support/wait.js';

type Json = Record<string, any>;

/** A `ws` client that collects frames and can wait for one. */
class Client {
  readonly frames: Json[] = [];
  readonly raw: Buffer[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: (() => void)[] = [];
  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      this.raw.push(data);
      this.frames.push(JSON.parse(data.toString()) as Json);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.wake();
    });
  }
  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }
  static async open(url: string, opts: WebSocket.ClientOptions & { protocols?: string[] } = {}): Promise<Client> {
    const ws = new WebSocket(url, opts.protocols ?? [], opts);
    // Listening from the start: a frame may arrive right behind the 101.
    const client = new Client(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode, res })));
    });
    return client;
  }
  send(frame: Json | string) {
    this.ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }
  /** Waits until a frame matching `pred` arrived after index `from`; returns it. */
  async until(pred: (f: Json) => boolean, from = 0, timeoutMs = 5_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.frames.slice(from).find(pred);
      if (hit) return hit;
      if (this.closed) throw new Error(`closed ${JSON.stringify(this.closed)} before the frame arrived; got ${JSON.stringify(this.frames.map((f) => f.type))}`);
      if (Date.now() > deadline) throw new Error(`no such frame; got ${JSON.stringify(this.frames.map((f) => f.type))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
  /** Sends a create and waits for its terminal frame. */
  async turn(frame: Json): Promise<Json> {
    const from = this.frames.length;
    this.send({ type: 'response.create', ...frame });
    return this.until((f) => ['response.completed', 'response.failed', 'response.incomplete', 'error'].includes(f.type), from);
  }
}

describe('Responses over WebSocket', () => {
  let gw: TestGateway;
  let up: FakeUpstream;
  let native: FakeResponsesWs;
  let token: string;
  let wsUrl: string;

  beforeAll(async () => {
    up = await startFakeUpstream({ eventDelayMs: 1 });
    native = await startFakeResponsesWs(up);
    gw = await startTestGateway({}, { BODHI_WS_MAX_SESSIONS_PER_TOKEN: '3', BODHI_WS_ALLOWED_ORIGINS: 'https://app.example' });
    await gw.addApiModel({ name: 'bridged', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-bridge'] });
    await gw.addApiModel({ name: 'native', api_format: 'openai_responses', base_url: native.url, api_key: up.apiKey, models: ['gpt-native'], prefix: 'n/', websocket: true });
    await gw.addApiModel({ name: 'refuses', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-refuses'], websocket: true });
    await gw.addApiModel({ name: 'chat', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-chat'] });
    token = await gw.createToken('ws-user');
    wsUrl = `${gw.url.replace('http', 'ws')}/v1/responses`;
  });
  afterAll(async () => {
    await gw?.close();
    await native?.close();
    await up?.close();
  });

  const auth = (t = token) => ({ headers: { authorization: `Bearer ${t}` } });

  async function rows(model: string, n: number): Promise<RequestLogEntry[]> {
    let found: RequestLogEntry[] = [];
    await waitFor(
      async () => {
        await gw.server.gateway.requestLog.flush();
        found = (await gw.server.gateway.store.listRequestLogs({ limit: 5_000 })).filter((r) => r.model === model && r.method === 'WS');
        return found.length >= n;
      },
      5_000,
      `${n} request-log rows for ${model}`,
    );
    return found;
  }

  describe('the upgrade', () => {
    it('refuses a bad token with 401 in the OpenAI envelope before any 101', async () => {
      const err = (await Client.open(wsUrl, auth('bodhi_nope')).catch((e: unknown) => e)) as { status: number };
      expect(err.status).toBe(401);
      const missing = (await Client.open(wsUrl).catch((e: unknown) => e)) as { status: number };
      expect(missing.status).toBe(401);
    });

    it('takes the token from the openai-insecure-api-key subprotocol (browsers) and names a protocol', async () => {
      const c = await Client.open(wsUrl, { protocols: ['realtime', `openai-insecure-api-key.${token}`] });
      expect(c.ws.protocol).toBe('realtime');
      const done = await c.turn({ model: 'gpt-bridge', input: 'hi' });
      expect(done.type).toBe('response.completed');
      c.ws.close();
    });

    it('refuses an Origin that is not allowed, and accepts an allowed one', async () => {
      const err = (await Client.open(wsUrl, { ...auth(), origin: 'https://evil.example' }).catch((e: unknown) => e)) as { status: number };
      expect(err.status).toBe(403);
      const ok = await Client.open(wsUrl, { ...auth(), origin: 'https://app.example' });
      ok.ws.close();
    });

    it('answers a GET without an upgrade with 404 as before', async () => {
      const res = await gw.call('/v1/responses', { token });
      expect(res.status).toBe(404);
      expect(((await res.json()) as Json).error.code).toBe('unknown_url');
    });
  });

  describe('bridged (the upstream has no WebSocket mode)', () => {
    it('serves turns with previous_response_id and store: false from the socket state, through the SDK client', async () => {
      const client = new OpenAI({ apiKey: token, baseURL: `${gw.url}/v1` });
      const rws = new ResponsesWS(client);
      const events: Json[] = [];
      const completed: Json[] = [];
      rws.on('event', (e) => {
        events.push(e as Json);
        if (e.type === 'response.completed') completed.push(e as Json);
      });
      const next = (n: number) => waitFor(async () => completed.length >= n, 5_000, `${n} completed responses`);
      rws.send({ type: 'response.create', model: 'gpt-bridge', input: 'My name is Ada', store: false });
      await next(1);
      const first = completed[0]!.response;
      const before = up.requests.length;
      rws.send({ type: 'response.create', model: 'gpt-bridge', input: 'What is my name?', store: false, previous_response_id: first.id });
      await next(2);
      rws.close();
      // The upstream got one complete request: the first turn's input and output, then the new input.
      const sentUp = JSON.parse(up.requests.slice(before).find((r) => r.url === '/v1/responses')!.body.toString()) as Json;
      expect(sentUp.previous_response_id).toBeUndefined();
      expect(sentUp.stream).toBe(true);
      expect(sentUp.type).toBeUndefined();
      expect(JSON.stringify(sentUp.input)).toContain('My name is Ada');
      expect(JSON.stringify(sentUp.input)).toContain(first.output[0].content[0].text);
      expect(sentUp.input.at(-1)).toEqual({ role: 'user', content: 'What is my name?' });
      expect(events.map((e) => e.type)).toContain('response.output_text.delta');
      const logged = await rows('gpt-bridge', 2);
      expect(logged.every((r) => r.status === 200 && r.inputTokens !== null && r.outcome === 'completed')).toBe(true);
    });

    it('answers a warm-up (generate: false) and continues from it', async () => {
      const c = await Client.open(wsUrl, auth());
      const warm = await c.turn({ model: 'gpt-bridge', generate: false, instructions: 'Be brief.', input: [{ role: 'user', content: 'context' }] });
      expect(warm).toMatchObject({ type: 'response.completed', response: { status: 'completed', output: [] } });
      const done = await c.turn({ model: 'gpt-bridge', input: 'go', previous_response_id: warm.response.id });
      expect(done.type).toBe('response.completed');
      expect(JSON.stringify(JSON.parse(up.requests.at(-1)!.body.toString()).input)).toContain('context');
      c.ws.close();
    });

    it('writes a routing record for a stored response, so HTTP id routes find it', async () => {
      const c = await Client.open(wsUrl, auth());
      const done = await c.turn({ model: 'gpt-bridge', input: 'keep me' });
      c.ws.close();
      const got = await gw.call(`/v1/responses/${done.response.id}`, { token });
      expect(got.status).toBe(200);
      expect(((await got.json()) as Json).id).toBe(done.response.id);
    });

    it('passes an upstream error on as an error frame and keeps the session', async () => {
      const c = await Client.open(wsUrl, auth());
      up.setFault({ status: 429, path: '/v1/responses', body: '{"error":{"message":"slow down","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}}', times: 1 });
      const err = await c.turn({ model: 'gpt-bridge', input: 'hi' });
      expect(err).toEqual({ type: 'error', status: 429, error: { message: 'slow down', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });
      expect((await c.turn({ model: 'gpt-bridge', input: 'again' })).type).toBe('response.completed');
      c.ws.close();
    });

    it('bridges an API model whose upstream refuses the upgrade', async () => {
      const c = await Client.open(wsUrl, auth());
      expect((await c.turn({ model: 'gpt-refuses', input: 'hi' })).type).toBe('response.completed');
      c.ws.close();
    });
  });

  describe('one session, one upstream account', () => {
    it('answers a frame for another API model, or of the wrong format, with an error frame', async () => {
      const c = await Client.open(wsUrl, auth());
      const wrong = await c.turn({ model: 'gpt-chat', input: 'hi' });
      expect(wrong).toMatchObject({ type: 'error', status: 400, error: { message: "Model 'gpt-chat' is not configured for Responses API format. Configure an alias with 'openai_responses' format." } });
      expect((await c.turn({ model: 'gpt-bridge', input: 'hi' })).type).toBe('response.completed');
      const other = await c.turn({ model: 'n/gpt-native', input: 'hi' });
      expect(other).toMatchObject({ type: 'error', status: 400, error: { code: 'session_model_mismatch' }, headers: { 'x-bodhi-error': 'gateway' } });
      const bad = await c.turn({ model: 'nope', input: 'hi' });
      expect(bad).toMatchObject({ type: 'error', status: 400, error: { code: 'session_model_mismatch' } });
      c.send({ type: 'response.cancel' });
      c.ws.close();
    });

    it('stays on the router target that served its first frame', async () => {
      const res = await gw.call('/bodhi/v1/routers', {
        method: 'POST',
        json: { name: 'ws-team', strategy: 'weighted', targets: [{ api_model: 'bridged', model: 'gpt-bridge' }, { api_model: 'native', model: 'gpt-native' }] },
      });
      expect(res.status).toBe(201);
      const c = await Client.open(wsUrl, auth());
      const fromNative = native.received.length;
      const fromHttp = up.requests.filter((r) => r.url === '/v1/responses').length;
      let previous: string | undefined;
      for (let i = 0; i < 6; i++) {
        const done = await c.turn({ model: 'ws-team', input: `turn ${i}`, store: false, ...(previous ? { previous_response_id: previous } : {}) });
        expect(done.type).toBe('response.completed');
        previous = done.response.id;
      }
      c.ws.close();
      const viaNative = native.received.length - fromNative;
      const viaBridge = up.requests.filter((r) => r.url === '/v1/responses').length - fromHttp - viaNative;
      // All six on one target: the native one relays each frame, the bridged one posts each turn.
      expect([viaNative, viaBridge].sort()).toEqual([0, 6]);
      const logged = await rows('ws-team', 6);
      expect(new Set(logged.map((r) => r.apiModelName)).size).toBe(1);
      expect(logged.every((r) => r.router === 'ws-team')).toBe(true);
    });

    it('ends a session whose token was revoked, at its next response', async () => {
      const t = await gw.createToken('ws-revoked');
      const c = await Client.open(wsUrl, auth(t));
      expect((await c.turn({ model: 'gpt-bridge', input: 'one' })).type).toBe('response.completed');
      await gw.server.gateway.tokenService.revoke('ws-revoked');
      await gw.server.gateway.sync.reload();
      expect(await c.turn({ model: 'gpt-bridge', input: 'two' })).toMatchObject({ type: 'error', status: 401 });
      await waitFor(async () => c.closed !== undefined, 3_000, 'the session to close');
      expect(c.closed!.code).toBe(1008);
    });

    it('refuses sessions beyond the per-token limit with a 429 error frame', async () => {
      const t = await gw.createToken('ws-limited');
      const open = await Promise.all([1, 2, 3].map(() => Client.open(wsUrl, auth(t))));
      const fourth = await Client.open(wsUrl, auth(t));
      const refusal = await fourth.until((f) => f.type === 'error');
      expect(refusal).toMatchObject({ status: 429, error: { code: 'websocket_session_limit' } });
      await waitFor(async () => fourth.closed !== undefined, 2_000, 'the refused socket to close');
      expect(fourth.closed!.code).toBe(1013);
      for (const c of open) c.ws.close();
    });
  });

  describe('the session', () => {
    it("answers pings, counts sessions and frames in /metrics, and applies the token's rate limit per response", async () => {
      const t = await gw.createToken('ws-rpm', 'user', { rate_limit_rpm: 2 });
      const c = await Client.open(wsUrl, auth(t));
      const pong = new Promise<void>((resolve) => c.ws.once('pong', () => resolve()));
      c.ws.ping();
      await pong;
      const metrics = await (await gw.call('/metrics')).text();
      expect(metrics).toMatch(/^bodhi_websocket_sessions [1-9]/m);
      expect(metrics).toMatch(/^bodhi_websocket_frames_total\{direction="out"\} [1-9]/m);
      // The upgrade took one request of the two a minute; the first response takes the other.
      expect((await c.turn({ model: 'gpt-bridge', input: 'one' })).type).toBe('response.completed');
      expect(await c.turn({ model: 'gpt-bridge', input: 'two' })).toMatchObject({ type: 'error', status: 429 });
      c.ws.close();
    });
  });

  describe('native (the upstream has WebSocket mode)', () => {
    it('relays frames unchanged both ways, with the upstream key and the client headers', async () => {
      const c = await Client.open(wsUrl, { headers: { authorization: `Bearer ${token}`, 'openai-beta': 'responses_websockets=2026-02-06', 'session-id': 'sess-1', 'x-codex-turn-metadata': 'm' } });
      const from = native.received.length;
      // Odd spacing and key order: the upstream must get these exact bytes (model rewritten only).
      const frame = '{ "type":"response.create",  "input":"hi",\n"model":"n/gpt-native", "metadata":{"b":1,"a":2}}';
      const sentFrom = native.sent.length;
      c.send(frame);
      await c.until((f) => f.type === 'response.completed');
      expect(native.received[from]!.data.toString()).toBe(frame.replace('"n/gpt-native"', '"gpt-native"'));
      const upgrade = native.upgrades.at(-1)!;
      expect(upgrade.authorization).toBe(`Bearer ${up.apiKey}`);
      expect(upgrade['openai-beta']).toBe('responses_websockets=2026-02-06');
      expect(upgrade['session-id']).toBe('sess-1');
      expect(upgrade['x-codex-turn-metadata']).toBe('m');
      // The client got exactly the frames the upstream sent, in order.
      const sentNow = native.sent.slice(sentFrom);
      expect(c.raw.map((b) => b.toString())).toEqual(sentNow);
      c.ws.close();
    });

    it('serves turns with previous_response_id and store: false from the upstream session, recorded with usage', async () => {
      const c = await Client.open(wsUrl, auth());
      const first = await c.turn({ model: 'n/gpt-native', input: 'My name is Ada', store: false });
      const second = await c.turn({ model: 'n/gpt-native', input: 'And mine?', store: false, previous_response_id: first.response.id });
      expect(second.type).toBe('response.completed');
      c.ws.close();
      const logged = await rows('n/gpt-native', 2);
      expect(logged.some((r) => r.responseId === second.response.id && r.inputTokens !== null && r.apiModelName === 'native' && r.upstreamModel === 'gpt-native')).toBe(true);
    });

    it('applies the rate limit once per response (the upgrade took one)', async () => {
      const t = await gw.createToken('ws-native-rpm', 'user', { rate_limit_rpm: 2 });
      const c = await Client.open(wsUrl, auth(t));
      expect((await c.turn({ model: 'n/gpt-native', input: 'one' })).type).toBe('response.completed');
      expect(await c.turn({ model: 'n/gpt-native', input: 'two' })).toMatchObject({ type: 'error', status: 429 });
      c.ws.close();
    });

    it('refuses a frame larger than BODHI_WS_MAX_FRAME_BYTES with close code 1009', async () => {
      const small = await startTestGateway({}, { BODHI_WS_MAX_FRAME_BYTES: '2048' });
      try {
        const t = await small.createToken('frames');
        const c = await Client.open(`${small.url.replace('http', 'ws')}/v1/responses`, auth(t));
        c.send({ type: 'response.create', model: 'x', input: 'y'.repeat(4096) });
        await waitFor(async () => c.closed !== undefined, 3_000, 'the socket to close');
        expect(c.closed!.code).toBe(1009);
      } finally {
        await small.close();
      }
    });

    it("carries the upstream's close code across when it closes mid-response", async () => {
      const c = await Client.open(wsUrl, auth());
      native.closeMidResponse(2, 4001, 'upstream went away');
      c.send({ type: 'response.create', model: 'n/gpt-native', input: 'hi' });
      await waitFor(async () => c.closed !== undefined, 5_000, 'the client socket to close');
      expect(c.closed).toEqual({ code: 4001, reason: 'upstream went away' });
      const logged = await rows('n/gpt-native', 1);
      expect(logged.some((r) => r.outcome === 'upstream_broke')).toBe(true);
    });

    // Timed on 2 shared cores: retried rather than loosened.
    it('closes the upstream socket within 100 ms when the client leaves mid-response', { retry: 2 }, async () => {
      const slow = await startFakeResponsesWs(up, { eventDelayMs: 50 });
      await gw.addApiModel({ name: 'native-slow', api_format: 'openai_responses', base_url: slow.url, api_key: up.apiKey, models: ['gpt-slow'], websocket: true });
      try {
        const c = await Client.open(wsUrl, auth());
        c.send({ type: 'response.create', model: 'gpt-slow', input: 'hi' });
        await c.until((f) => f.type === 'response.output_text.delta');
        const leftAt = performance.now();
        c.ws.close(4000, 'bye');
        await waitFor(async () => slow.closes.length > 0, 2_000, 'the upstream to see a close');
        expect(slow.closes[0]!.code).toBe(4000);
        expect(slow.closes[0]!.at - leftAt).toBeLessThan(100);
      } finally {
        await slow.close();
      }
    });
  });
});

describe('Responses over WebSocket, idle', () => {
  it('never counts a session as idle while its response streams (bridged)', async () => {
    const up = await startFakeUpstream({ eventDelayMs: 150 });
    const gw = await startTestGateway({}, { BODHI_WS_IDLE_TIMEOUT_MS: '400' });
    try {
      await gw.addApiModel({ name: 'res', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
      const token = await gw.createToken('slow');
      const c = await Client.open(`${gw.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: `Bearer ${token}` } });
      // About ten events 150 ms apart: well past the idle timeout in total.
      expect((await c.turn({ model: 'gpt-5', input: 'hi' })).type).toBe('response.completed');
      c.ws.close();
    } finally {
      await gw.close();
      await up.close();
    }
  });

  it('closes a session with no frames for BODHI_WS_IDLE_TIMEOUT_MS (1001)', async () => {
    const gw = await startTestGateway({}, { BODHI_WS_IDLE_TIMEOUT_MS: '300' });
    try {
      const token = await gw.createToken('idle');
      const c = await Client.open(`${gw.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: `Bearer ${token}` } });
      await waitFor(async () => c.closed !== undefined, 3_000, 'the idle session to close');
      expect(c.closed).toEqual({ code: 1001, reason: 'idle timeout' });
    } finally {
      await gw.close();
    }
  });
});

describe('Responses over WebSocket, switched off', () => {
  it('answers the upgrade with 426 and Connection: close', async () => {
    const gw = await startTestGateway({}, { BODHI_WEBSOCKETS: 'off' });
    try {
      const token = await gw.createToken('off');
      const res = await new Promise<{ status: number; connection: string | undefined; body: string }>((resolve, reject) => {
        const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: `Bearer ${token}` } });
        ws.on('unexpected-response', (_req, r) => {
          let body = '';
          r.on('data', (d: Buffer) => (body += d.toString()));
          r.on('end', () => resolve({ status: r.statusCode!, connection: r.headers.connection, body }));
        });
        ws.on('open', () => reject(new Error('upgraded')));
        ws.on('error', () => undefined);
      });
      expect(res.status).toBe(426);
      expect(res.connection).toBe('close');
      expect(JSON.parse(res.body).error.code).toBe('websockets_disabled');
    } finally {
      await gw.close();
    }
  });
});

describe('Responses over WebSocket at shutdown', () => {
  it('lets a session finish its response, then closes it with 1001', async () => {
    const up = await startFakeUpstream({ eventDelayMs: 30 });
    const gw = await startTestGateway({}, { BODHI_SHUTDOWN_TIMEOUT_MS: '5000' });
    try {
      await gw.addApiModel({ name: 'res', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
      const token = await gw.createToken('drain');
      const c = await Client.open(`${gw.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: `Bearer ${token}` } });
      c.send({ type: 'response.create', model: 'gpt-5', input: 'hi' });
      await c.until((f) => f.type === 'response.created');
      const closing = gw.close();
      // A new upgrade meanwhile is refused (the listener has stopped) and does not hold the shutdown.
      const late = await Client.open(`${gw.url.replace('http', 'ws')}/v1/responses`, { headers: { authorization: `Bearer ${token}` } }).then(
        () => 'upgraded',
        (err: { status?: number; code?: string }) => err.status ?? err.code ?? 'error',
      );
      expect(late).not.toBe('upgraded');
      await waitFor(async () => c.closed !== undefined, 5_000, 'the session to close');
      expect(c.frames.at(-1)!.type).toBe('response.completed');
      expect(c.closed!.code).toBe(1001);
      const started = Date.now();
      await closing;
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      await up.close();
    }
  });
});
