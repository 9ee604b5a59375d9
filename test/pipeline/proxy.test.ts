// The proxy pipeline without any HTTP server: a scripted dispatcher plays the upstream (in
// undici's handler API) and a recording ClientResponse plays the client.
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type { Dispatcher } from 'undici';
import type { GatewayError } from '../../src/errors/catalogue.js';
import type { ClientResponse } from '../../src/pipeline/client.js';
import { ProxyPipeline, type ProxyCall } from '../../src/pipeline/proxy.js';
import type { FinishedRequest, RequestContext } from '../../src/pipeline/record.js';
import { providerFor } from '../../src/providers/index.js';
import type { LiveApiModel } from '../../src/state/registry.js';
import { RouterHealth } from '../../src/state/router-health.js';

type Script = (handler: Dispatcher.DispatchHandler, controller: FakeController) => void;

class FakeController {
  paused = false;
  aborted = false;
  reason: Error | null = null;
  resumes = 0;
  rawHeaders: Buffer[] | null = null;
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
    this.resumes++;
  }
  abort(reason: Error) {
    this.aborted = true;
    this.reason = reason;
  }
}

/** A dispatcher that runs one script per dispatch, in order, and keeps what it was asked. */
function scriptedDispatcher(...scripts: Script[]) {
  const calls: { opts: Dispatcher.DispatchOptions; controller: FakeController }[] = [];
  const dispatcher = {
    dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
      const controller = new FakeController();
      calls.push({ opts, controller });
      const script = scripts[calls.length - 1]!;
      queueMicrotask(() => {
        handler.onRequestStart!(controller as unknown as Dispatcher.DispatchController, {});
        script(handler, controller);
      });
      return true;
    },
  } as unknown as Dispatcher;
  return { dispatcher, calls };
}

const ctl = (c: FakeController) => c as unknown as Dispatcher.DispatchController;
const head = (h: Dispatcher.DispatchHandler, c: FakeController, status: number, headers: Record<string, string>) => {
  c.rawHeaders = Object.entries(headers).flatMap(([k, v]) => [Buffer.from(k), Buffer.from(v)]);
  h.onResponseStart!(ctl(c), status, headers, '');
};

class RecordingClient implements ClientResponse {
  committed: { status: number; headers: readonly string[]; flush: boolean } | undefined;
  chunks: string[] = [];
  ended = false;
  destroyed: Error | undefined;
  failed: GatewayError | undefined;
  writable = true;
  private closeListener: (() => void) | undefined;
  private drainListener: (() => void) | undefined;
  commit(status: number, headers: readonly string[], flush: boolean) {
    this.committed = { status, headers, flush };
  }
  write(chunk: Buffer) {
    this.chunks.push(chunk.toString());
    return this.writable;
  }
  onceDrain(listener: () => void) {
    this.drainListener = listener;
  }
  drain() {
    const l = this.drainListener;
    this.drainListener = undefined;
    l?.();
  }
  end() {
    this.ended = true;
  }
  destroy(err: Error) {
    this.destroyed = err;
  }
  fail(error: GatewayError) {
    this.failed = error;
  }
  onClose(listener: () => void) {
    this.closeListener = listener;
    return () => (this.closeListener = undefined);
  }
  close() {
    this.closeListener?.();
  }
}

function apiModel(name: string, origin = 'http://upstream.test'): LiveApiModel {
  const provider = providerFor('openai_responses');
  return {
    id: `id-${name}`,
    name,
    apiFormat: 'openai_responses',
    provider,
    baseUrl: `${origin}/v1`,
    origin,
    basePath: '/v1',
    credentials: provider.upstreamHeaders('sk-test', { openaiOrganization: null, openaiProject: null }),
    models: ['gpt-test'],
    prefix: null,
    forwardAll: false,
    websocket: true,
    createdAt: 0,
  };
}

const ctx: RequestContext = {
  id: 'req-1',
  method: 'POST',
  url: '/v1/responses',
  rawHeaders: ['Authorization', 'Bearer client-token', 'Content-Type', 'application/json'],
  token: null,
  startedAt: performance.now(),
  span: undefined,
  log: { info: () => undefined, warn: () => undefined, error: () => undefined },
};

function pipeline(dispatcher: Dispatcher) {
  const records: FinishedRequest[] = [];
  const upstreamErrors: string[] = [];
  const streams = { open: 0 };
  const p = new ProxyPipeline({
    dispatcher,
    metrics: { streamStarted: () => void streams.open++, streamEnded: () => void streams.open--, upstreamError: (_m: string, kind: string) => void upstreamErrors.push(kind), routerFallback: () => undefined, routerServed: () => undefined },
    health: new RouterHealth({ cooldownStarted: () => undefined }),
    tracing: undefined,
    recorder: { record: (f: FinishedRequest) => void records.push(f) },
    responseRoutes: { markUsage: () => true, claimUsage: async () => true },
  });
  return { p, records, upstreamErrors, streams };
}

const call = (targets: LiveApiModel[], extra: Partial<ProxyCall> = {}): ProxyCall => ({
  route: '/v1/responses',
  endpoint: 'responses',
  targets: targets.map((apiModel) => ({ apiModel, body: Buffer.from('{"model":"gpt-test"}') })),
  model: 'gpt-test',
  path: '/responses',
  query: '?x=1',
  ...extra,
});

const BODY = JSON.stringify({ id: 'resp_1', status: 'completed', usage: { input_tokens: 3, output_tokens: 2 } });

describe('ProxyPipeline', () => {
  it("sends the client's request with the API model's key, commits the upstream's head and bytes, and records usage", async () => {
    const { dispatcher, calls } = scriptedDispatcher((h, c) => {
      head(h, c, 200, { 'content-type': 'application/json', 'set-cookie': 'a=b', 'x-request-id': 'up-1' });
      h.onResponseData!(ctl(c), Buffer.from(BODY.slice(0, 10)));
      h.onResponseData!(ctl(c), Buffer.from(BODY.slice(10)));
      h.onResponseEnd!(ctl(c), {});
    });
    const { p, records } = pipeline(dispatcher);
    const client = new RecordingClient();
    const outcome = await p.run(ctx, call([apiModel('a')]), client);

    expect(outcome.kind).toBe('completed');
    const sent = calls[0]!.opts;
    expect(sent.path).toBe('/v1/responses?x=1');
    const headers = sent.headers as string[];
    expect(headers).toContain('Bearer sk-test');
    expect(headers).not.toContain('Bearer client-token');
    expect(client.committed).toEqual({ status: 200, headers: ['content-type', 'application/json', 'x-request-id', 'up-1'], flush: false });
    expect(client.chunks.join('')).toBe(BODY);
    expect(client.ended).toBe(true);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 200, outcome: 'completed', apiModel: { name: 'a' }, observed: { responseId: 'resp_1', usage: { inputTokens: 3, outputTokens: 2 } } });
  });

  it('tries the next target when an upstream does not answer at all; the client sees only the answer', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const { dispatcher, calls } = scriptedDispatcher(
      (h, c) => h.onResponseError!(ctl(c), refused),
      (h, c) => {
        head(h, c, 200, { 'content-type': 'application/json' });
        h.onResponseData!(ctl(c), Buffer.from(BODY));
        h.onResponseEnd!(ctl(c), {});
      },
    );
    const { p, records, upstreamErrors } = pipeline(dispatcher);
    const client = new RecordingClient();
    const outcome = await p.run(ctx, call([apiModel('a', 'http://a.test'), apiModel('b', 'http://b.test')]), client);
    expect(outcome.kind).toBe('completed');
    expect(calls.map((c) => c.opts.origin)).toEqual(['http://a.test', 'http://b.test']);
    expect(upstreamErrors).toEqual(['refused']);
    expect(client.failed).toBeUndefined();
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ status: 200, apiModel: { name: 'b' } });
  });

  it('renders the failure in the surface envelope when the last target does not answer', async () => {
    const timeout = Object.assign(new Error('headers timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
    const { dispatcher } = scriptedDispatcher((h, c) => h.onResponseError!(ctl(c), timeout));
    const { p, records } = pipeline(dispatcher);
    const client = new RecordingClient();
    const outcome = await p.run(ctx, call([apiModel('a')]), client);
    expect(outcome.kind).toBe('upstream_failed');
    expect(client.committed).toBeUndefined();
    expect(client.failed).toMatchObject({ status: 504, code: 'upstream_timeout' });
    expect(client.failed!.message).toContain("API model 'a'");
    expect(client.failed!.message).not.toContain('sk-test');
    expect(records[0]).toMatchObject({ status: 504, outcome: 'upstream_failed' });
  });

  it('pauses the upstream while the client is not writable and resumes it on drain', async () => {
    let controller: FakeController | undefined;
    let handler: Dispatcher.DispatchHandler | undefined;
    const { dispatcher } = scriptedDispatcher((h, c) => {
      controller = c;
      handler = h;
      head(h, c, 200, { 'content-type': 'text/event-stream' });
      h.onResponseData!(ctl(c), Buffer.from('data: {}\n\n'));
    });
    const { p } = pipeline(dispatcher);
    const client = new RecordingClient();
    client.writable = false;
    const running = p.run(ctx, call([apiModel('a')], { remember: undefined }), client);
    await new Promise((r) => setTimeout(r, 5));
    expect(client.committed?.flush).toBe(true);
    expect(controller!.paused).toBe(true);
    client.writable = true;
    client.drain();
    expect(controller!.paused).toBe(false);
    handler!.onResponseEnd!(ctl(controller!), {});
    expect((await running).kind).toBe('completed');
  });

  it('aborts the upstream when the client goes away, and cuts the client when the upstream breaks mid-body', async () => {
    let controller: FakeController | undefined;
    const { dispatcher } = scriptedDispatcher((h, c) => {
      controller = c;
      head(h, c, 200, { 'content-type': 'text/event-stream' });
    });
    const { p, records } = pipeline(dispatcher);
    const client = new RecordingClient();
    const running = p.run(ctx, call([apiModel('a')]), client);
    await new Promise((r) => setTimeout(r, 5));
    client.close();
    expect((await running).kind).toBe('client_closed');
    expect(controller!.aborted).toBe(true);
    expect(records[0]).toMatchObject({ status: 200, outcome: 'client_closed' });

    const broken = scriptedDispatcher((h, c) => {
      head(h, c, 200, { 'content-type': 'text/event-stream' });
      h.onResponseError!(ctl(c), new Error('socket hang up'));
    });
    const second = pipeline(broken.dispatcher);
    const cut = new RecordingClient();
    expect((await second.p.run(ctx, call([apiModel('a')]), cut)).kind).toBe('upstream_broke');
    expect(cut.destroyed).toBeInstanceOf(Error);
    expect(second.records[0]).toMatchObject({ outcome: 'upstream_broke' });
  });

  it("holds the bytes that complete a created response's id until the routing record is committed", async () => {
    let commit: (() => void) | undefined;
    const remembered: string[] = [];
    const { dispatcher } = scriptedDispatcher((h, c) => {
      head(h, c, 200, { 'content-type': 'application/json' });
      h.onResponseData!(ctl(c), Buffer.from(BODY));
      h.onResponseEnd!(ctl(c), {});
    });
    const { p } = pipeline(dispatcher);
    const client = new RecordingClient();
    const running = p.run(
      ctx,
      call([apiModel('a')], {
        remember: (id, m) => {
          remembered.push(`${id}@${m.name}`);
          return new Promise<void>((r) => (commit = r));
        },
      }),
      client,
    );
    await new Promise((r) => setTimeout(r, 5));
    expect(remembered).toEqual(['resp_1@a']);
    expect(client.chunks).toEqual([]);
    commit!();
    expect((await running).kind).toBe('completed');
    expect(client.chunks.join('')).toBe(BODY);
  });

  it('does not send the request to the next target when the upstream may have seen it (reset, headers timeout)', async () => {
    for (const code of ['ECONNRESET', 'UND_ERR_SOCKET', 'UND_ERR_HEADERS_TIMEOUT']) {
      const cut = Object.assign(new Error('cut'), { code });
      const { dispatcher, calls } = scriptedDispatcher((h, c) => h.onResponseError!(ctl(c), cut));
      const { p } = pipeline(dispatcher);
      const client = new RecordingClient();
      expect((await p.run(ctx, call([apiModel('a', 'http://a.test'), apiModel('b', 'http://b.test')]), client)).kind).toBe('upstream_failed');
      expect(calls.map((x) => x.opts.origin)).toEqual(['http://a.test']);
      expect(client.failed?.status).toBe(code === 'UND_ERR_HEADERS_TIMEOUT' ? 504 : 502);
    }
  });

  it('counts a stream down once when the client socket closes while a compressed answer is finishing', async () => {
    const { dispatcher } = scriptedDispatcher((h, c) => {
      head(h, c, 200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      h.onResponseData!(ctl(c), gzipSync('data: {"type":"response.completed","response":{"id":"r","usage":{"input_tokens":1,"output_tokens":1}}}\n\n'));
      h.onResponseEnd!(ctl(c), {});
    });
    const { p, records, streams } = pipeline(dispatcher);
    const client = new RecordingClient();
    client.end = () => {
      client.ended = true;
      queueMicrotask(() => client.close()); // the socket closes before the answer is recorded
    };
    expect((await p.run(ctx, call([apiModel('a')]), client)).kind).toBe('completed');
    expect(streams.open).toBe(0);
    expect(records[0]).toMatchObject({ outcome: 'completed', observed: { usage: { inputTokens: 1, outputTokens: 1 } } });
  });
});
