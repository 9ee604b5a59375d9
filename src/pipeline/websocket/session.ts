// One client WebSocket on /v1/responses. The first `response.create` frame names the model: it
// is resolved like POST /v1/responses (format, allow-list, routers) and binds the session to one
// target for its lifetime. An upstream with WebSocket mode gets its own socket and the frames
// pass both ways as they are (only `model` rewritten when the upstream knows it by another id);
// one without gets each turn as a streamed HTTP request through the pipeline (the bridge).
// Either way each response is a request-log row with its usage, and a routing record.
import { randomUUID } from 'node:crypto';
import type WebSocket from 'ws';
import type { RawData } from 'ws';
import { GatewayError, badRequest } from '../../errors/catalogue.js';
import { replaceTopLevel } from '../../lib/json/json-scan.js';
import type { GatewayMetrics } from '../../observability/metrics.js';
import type { RateLimiter } from '../../auth/rate-limit.js';
import type { ModelRegistry, LiveApiModel, LiveRouter, LiveRouterTarget } from '../../state/registry.js';
import type { ResponseRoutes } from '../../state/response-routes.js';
import type { RouterHealth } from '../../state/router-health.js';
import type { AuthToken, TokenCache } from '../../state/token-cache.js';
import type { WebSocketConfig } from '../../config.js';
import { dialUpstream, upstreamUpgradeHeaders, websocketUrl } from '../../upstream/ws-dial.js';
import { observeEvents, type EventObserver } from '../observe.js';
import { planRouter, type Holder } from '../plan.js';
import type { ProxyPipeline } from '../proxy.js';
import type { LogSink, RequestContext, RequestRecorder } from '../record.js';
import { resolveFor } from '../resolve.js';
import { bridgeRequest, warmUpFrames, type CreateRequest, type LastResponse } from './bridge-state.js';
import { FramesClient, SEND_HIGH } from './frames-client.js';
import { errorFrameStatus, frameFields, gatewayErrorFrame, isErrorFrame, sendableCloseCode, type FrameFields } from './frames.js';

export interface SessionDeps {
  readonly registry: Pick<ModelRegistry, 'resolve' | 'apiModel'>;
  readonly responseRoutes: Pick<ResponseRoutes, 'remember' | 'lookup' | 'markUsage'>;
  readonly pipeline: Pick<ProxyPipeline, 'run'>;
  readonly recorder: Pick<RequestRecorder, 'record'>;
  readonly metrics: Pick<GatewayMetrics, 'websocketFrame'>;
  readonly health: Pick<RouterHealth, 'admit' | 'succeeded' | 'failed' | 'released'>;
  readonly rateLimits: Pick<RateLimiter, 'take'>;
  /** Each response re-checks the session's token: one revoked or expired meanwhile ends it. */
  readonly tokens: Pick<TokenCache, 'authenticate'>;
  readonly config: WebSocketConfig;
  /** A bridged turn's body may be at most this large (the HTTP body limit). */
  readonly bodyLimitBytes: number;
  /** API models whose upstream refused a WebSocket upgrade: bridged from then on (this instance). */
  readonly noWebSocket: Set<string>;
}

/** What the upgrade request told us about the client. */
export interface SessionOrigin {
  readonly token: AuthToken | null;
  /** The credential the upgrade presented (an Authorization value), checked again on every response. */
  readonly credential: string | undefined;
  /** The upgrade request's raw headers, flat [name, value, ...]. */
  readonly rawHeaders: readonly string[];
  /** The raw query string of the upgrade URL, `''` or starting with `?`. */
  readonly query: string;
  readonly log: LogSink;
}

const ROUTE = '/v1/responses';
const TERMINAL_STATUS = new Set(['completed', 'failed', 'incomplete', 'cancelled']);
/** A client's socket is closed this long after a close frame went to the upstream, answered or not. */
const CLOSE_GRACE_MS = 100;
/** Client frames waiting behind a turn (or a full upstream buffer): reading pauses beyond these. */
const QUEUE_FRAMES = 8;
const QUEUE_BYTES = 1 << 20;
/** Answers an upstream gave to an upgrade that mean it has no WebSocket mode at that URL. */
const NO_WEBSOCKET_MODE = new Set([400, 404, 405, 426, 501]);

interface Binding {
  readonly apiModel: LiveApiModel;
  readonly upstreamModel: string;
  /** The name the client used (an id, or a router's name). */
  readonly model: string;
  readonly router?: LiveRouter;
  readonly routerTarget?: LiveRouterTarget;
  readonly native: boolean;
}

/** A response in flight over a native session: what its request-log row needs. */
interface Turn {
  readonly ctx: RequestContext;
  readonly observer: EventObserver;
  readonly model: string;
  /** Stored responses get a routing record, and their usage counts once (a later poll repeats it). */
  readonly store: boolean;
}

const toBuffer = (data: RawData): Buffer => (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data));

export class ResponsesSession {
  private binding: Binding | undefined;
  private upstream: WebSocket | undefined;
  private turn: Turn | undefined;
  private bridgeTurn: FramesClient | undefined;
  private last: LastResponse | undefined;
  /** Client frames are handled one after another (the first waits for the upstream). */
  private queue: Promise<void> = Promise.resolve();
  private queued = 0;
  private queuedBytes = 0;
  /** Upstream frames wait here while a routing record is committed. */
  private outbound: Promise<void> | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private drainWhenIdle = false;
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  /** The upgrade's headers without the handshake's, as a bridged turn's HTTP request carries them. */
  private readonly httpHeaders: string[];

  constructor(
    private readonly deps: SessionDeps,
    private readonly client: WebSocket,
    private readonly origin: SessionOrigin,
  ) {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
    this.httpHeaders = [];
    for (let i = 0; i < origin.rawHeaders.length; i += 2) {
      const lower = origin.rawHeaders[i]!.toLowerCase();
      if (lower.startsWith('sec-websocket-') || lower === 'origin' || lower === 'content-type' || lower === 'accept') continue;
      this.httpHeaders.push(origin.rawHeaders[i]!, origin.rawHeaders[i + 1]!);
    }
    // A bridged turn is a JSON POST that asks for a stream.
    this.httpHeaders.push('content-type', 'application/json', 'accept', 'text/event-stream');
    client.on('message', (data, isBinary) => this.fromClient(toBuffer(data), isBinary));
    client.on('close', (code, reason) => this.clientClosed(code, reason));
    client.on('error', () => undefined);
    this.touch();
  }

  /** Whether a response is in flight. */
  get busy(): boolean {
    return this.turn !== undefined || this.bridgeTurn !== undefined || this.queued > 0;
  }

  /** Closes with 1001 once the response in flight (if any) has finished. */
  closeWhenIdle(): void {
    this.drainWhenIdle = true;
    if (!this.busy) this.close(1001, 'server shutting down');
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.idleTimer);
    if (this.upstream) this.closeUpstream(code, reason);
    const socket = this.client;
    // Frames still waiting for a routing record go out first.
    const send = () => {
      socket.close(code, reason);
      setTimeout(() => socket.terminate(), CLOSE_GRACE_MS * 10).unref();
    };
    if (this.outbound) void this.outbound.then(send);
    else send();
  }

  /** Restarts the idle clock; a session with a response in flight is never idle (a model may think for minutes). */
  private touch(): void {
    if (this.closed) return;
    // Restarting the one timer costs less per frame than replacing it.
    if (this.idleTimer) {
      this.idleTimer.refresh();
      return;
    }
    this.idleTimer = setTimeout(() => (this.busy ? this.idleTimer!.refresh() : this.close(1001, 'idle timeout')), this.deps.config.idleTimeoutMs);
    this.idleTimer.unref();
  }

  private sendError(error: GatewayError): void {
    if (this.client.readyState !== this.client.OPEN) return;
    this.deps.metrics.websocketFrame('out');
    this.client.send(gatewayErrorFrame(error));
  }

  private fromClient(frame: Buffer, isBinary: boolean): void {
    this.touch();
    this.deps.metrics.websocketFrame('in');
    if (this.binding?.native && this.upstream && this.queued === 0) return this.toUpstream(frame, isBinary, false);
    // Bound: reading pauses while frames wait behind a turn (or the upstream's buffer is full).
    this.queued++;
    this.queuedBytes += frame.length;
    if (this.queued > QUEUE_FRAMES || this.queuedBytes > QUEUE_BYTES) this.client.pause();
    this.queue = this.queue.then(() =>
      this.handle(frame, isBinary)
        .catch((err: unknown) => {
          this.origin.log.error({ err }, 'websocket frame failed');
          this.sendError(new GatewayError('internal_error', 'The gateway could not handle this frame.'));
        })
        .finally(() => {
          this.queued--;
          this.queuedBytes -= frame.length;
          if (this.queued <= QUEUE_FRAMES && this.queuedBytes <= QUEUE_BYTES && !this.upstreamFull()) this.client.resume();
          if (this.drainWhenIdle && !this.busy) this.close(1001, 'server shutting down');
        }),
    );
  }

  private upstreamFull(): boolean {
    return this.upstream !== undefined && this.upstream.bufferedAmount > SEND_HIGH;
  }

  private async handle(frame: Buffer, isBinary: boolean): Promise<void> {
    if (this.closed) return;
    if (this.binding?.native && this.upstream) return this.toUpstream(frame, isBinary, false);
    const fields = isBinary ? {} : frameFields(frame);
    if (fields.type !== 'response.create') {
      // Other control frames (e.g. Codex's response.processed) mean nothing to an HTTP upstream.
      if (this.binding && !this.binding.native && typeof fields.type === 'string') return;
      return this.sendError(badRequest(`Unsupported event type ${JSON.stringify(fields.type ?? null)}: send 'response.create'.`, 'type', 'unsupported_event_type'));
    }
    const binding = this.binding ?? (await this.bind(fields));
    // The client may have left while the upstream was being chosen or dialled.
    if (!binding || this.closed) return;
    if (!this.checkSameTarget(fields, binding) || !this.takeRateLimit()) return;
    if (binding.native && this.upstream) return this.toUpstream(frame, false, true);
    await this.bridge(frame, fields, binding);
  }

  /** Whether the session's token still admits a response (still valid, within its rate limit). */
  private takeRateLimit(): boolean {
    const token = this.origin.token;
    if (!token) return true;
    const still = this.deps.tokens.authenticate(this.origin.credential);
    if (!still.ok) {
      this.sendError(still.error);
      this.close(1008, 'token no longer valid');
      return false;
    }
    if (token.rateLimitRpm === null) return true;
    const limited = this.deps.rateLimits.take(token.id, token.rateLimitRpm);
    if (limited) this.sendError(limited);
    return !limited;
  }

  /** Resolves the first frame's model and picks the session's target (and its upstream socket). */
  private async bind(fields: FrameFields): Promise<Binding | undefined> {
    const model = fields.model;
    if (typeof model !== 'string' || model === '') {
      this.sendError(badRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter'));
      return undefined;
    }
    let target: Omit<Binding, 'native'>;
    try {
      const resolved = resolveFor(this.deps.registry as ModelRegistry, 'responses', model, this.origin.token);
      if (resolved.kind === 'api') {
        target = { apiModel: resolved.apiModel, upstreamModel: resolved.upstreamModel, model };
      } else {
        const picked = await this.pickRouterTarget(resolved.router, fields.previous_response_id);
        if (!picked) return undefined;
        target = { apiModel: picked.apiModel, upstreamModel: picked.model, model, router: resolved.router, routerTarget: picked };
      }
    } catch (err) {
      if (err instanceof GatewayError) this.sendError(err);
      else throw err;
      return undefined;
    }
    const native = target.apiModel.websocket && !this.deps.noWebSocket.has(target.apiModel.id) ? await this.openUpstream(target.apiModel) : false;
    this.binding = { ...target, native };
    return this.binding;
  }

  /** A router's target for the whole session: the one holding the conversation, else the first healthy one. */
  private async pickRouterTarget(router: LiveRouter, previous: unknown): Promise<LiveRouterTarget | undefined> {
    let pinTo: Holder | undefined;
    if (typeof previous === 'string') {
      const record = await this.deps.responseRoutes.lookup(previous);
      const token = this.origin.token;
      const apiModel = record && this.deps.registry.apiModel(record.apiModelId);
      if (record && apiModel && (!token || record.tokenId === token.id || token.scope === 'admin')) pinTo = { apiModel, upstreamModel: record.upstreamModel };
    }
    const plan = planRouter(router, (apiModel) => ({ apiModel, body: null }), pinTo);
    const picked = plan.pinned ? plan.order[0] : plan.order.find((t) => this.deps.health.admit(router, t));
    if (!picked) this.sendError(new GatewayError('router_unavailable', `No target of router '${router.name}' takes calls right now; try again shortly.`));
    else if (!plan.pinned) this.deps.health.released(router, picked);
    return picked;
  }

  /** A later frame naming another target gets an error: one session, one upstream account. */
  private checkSameTarget(fields: FrameFields, binding: Binding): boolean {
    const model = fields.model;
    if (model === undefined || model === binding.model) return true;
    if (typeof model === 'string') {
      const resolved = this.deps.registry.resolve(model);
      if (resolved?.kind === 'api' && resolved.apiModel.id === binding.apiModel.id && resolved.upstreamModel === binding.upstreamModel) return true;
    }
    this.sendError(
      badRequest(
        `This session is bound to model '${binding.model}' (API model '${binding.apiModel.name}'); open a new connection for '${String(model)}'.`,
        'model',
        'session_model_mismatch',
      ),
    );
    return false;
  }

  private async openUpstream(apiModel: LiveApiModel): Promise<boolean> {
    const url = websocketUrl(apiModel.origin, `${apiModel.basePath}/responses${this.origin.query}`);
    const headers = upstreamUpgradeHeaders(this.origin.rawHeaders, apiModel.credentials);
    const dialed = await dialUpstream(url, headers, { maxPayload: this.deps.config.maxFrameBytes, handshakeTimeoutMs: 15_000 });
    if (!dialed.ok) {
      // An upstream that answered the upgrade with one of these has no WebSocket mode: bridge it
      // from now on. Any other refusal (a 429, a 503, a bad key) bridges this session only.
      if (dialed.status !== null && NO_WEBSOCKET_MODE.has(dialed.status)) this.deps.noWebSocket.add(apiModel.id);
      this.origin.log.warn({ apiModel: apiModel.name, status: dialed.status, err: dialed.error }, 'upstream WebSocket refused; bridging over HTTP');
      return false;
    }
    if (this.closed) {
      dialed.socket.close(1001);
      return false;
    }
    const upstream = dialed.socket;
    this.upstream = upstream;
    upstream.on('message', (data, isBinary) => this.fromUpstream(toBuffer(data), isBinary));
    upstream.on('close', (code, reason) => this.upstreamClosed(code, reason));
    upstream.on('error', (err) => this.origin.log.warn({ apiModel: apiModel.name, err }, 'upstream WebSocket error'));
    return true;
  }

  /** `checked`: the frame already passed the session and rate-limit checks (the first one). */
  private toUpstream(frame: Buffer, isBinary: boolean, checked: boolean): void {
    const binding = this.binding!;
    const upstream = this.upstream!;
    if (upstream.readyState !== upstream.OPEN) return;
    let out = frame;
    if (!isBinary) {
      const fields = frameFields(frame);
      if (fields.type === 'response.create') {
        if (!checked && (!this.checkSameTarget(fields, binding) || !this.takeRateLimit())) return;
        if (typeof fields.model === 'string' && fields.model !== binding.upstreamModel) out = replaceTopLevel(frame, 'model', JSON.stringify(binding.upstreamModel));
        this.startTurn(binding, fields.store !== false);
      }
    }
    upstream.send(out, { binary: isBinary }, () => this.resumeIfDrained(upstream, this.client));
    if (upstream.bufferedAmount > SEND_HIGH) this.client.pause();
  }

  private resumeIfDrained(sink: WebSocket, source: WebSocket): void {
    if (sink.bufferedAmount <= SEND_HIGH / 4 && source.isPaused && this.queued <= QUEUE_FRAMES && this.queuedBytes <= QUEUE_BYTES) source.resume();
  }

  private context(): RequestContext {
    return {
      id: randomUUID(),
      method: 'WS',
      url: ROUTE + this.origin.query,
      rawHeaders: this.httpHeaders,
      token: this.origin.token,
      startedAt: performance.now(),
      span: undefined,
      log: this.origin.log,
    };
  }

  private startTurn(binding: Binding, store: boolean): void {
    if (this.turn) this.finishTurn('completed', 200); // the client moved on without waiting
    const tokenId = this.origin.token?.id ?? null;
    const remember = store
      ? (responseId: string) =>
          this.deps.responseRoutes.remember({ responseId, apiModelId: binding.apiModel.id, model: binding.model, upstreamModel: binding.upstreamModel, tokenId, createdAt: Date.now(), usageCountedAt: null })
      : undefined;
    this.turn = { ctx: this.context(), observer: observeEvents(binding.apiModel.provider.reader('responses'), remember), model: binding.model, store };
  }

  private fromUpstream(frame: Buffer, isBinary: boolean): void {
    this.touch();
    const turn = this.turn;
    let wait: void | Promise<void> = undefined;
    let ended: number | undefined;
    if (turn && !isBinary) {
      wait = turn.observer.event(frame);
      const status = turn.observer.observed.status;
      if (status !== undefined && TERMINAL_STATUS.has(status)) ended = 200;
      else if (isErrorFrame(frame)) ended = errorFrameStatus(frame);
    }
    const send = () => {
      if (this.client.readyState !== this.client.OPEN) return;
      this.deps.metrics.websocketFrame('out');
      this.client.send(frame, { binary: isBinary }, () => this.resumeIfDrained(this.client, this.upstream!));
      if (this.client.bufferedAmount > SEND_HIGH) this.upstream?.pause();
    };
    // A created response's id reaches the client only once its routing record is committed;
    // frames after it keep their order.
    if (wait || this.outbound) {
      const after = (this.outbound ?? Promise.resolve()).then(() => wait).then(send, send);
      this.outbound = after;
      void after.then(() => {
        if (this.outbound === after) this.outbound = undefined;
      });
    } else {
      send();
    }
    if (ended !== undefined) this.finishTurn('completed', ended);
  }

  private finishTurn(outcome: 'completed' | 'client_closed' | 'upstream_broke', status: number): void {
    const turn = this.turn;
    const binding = this.binding;
    if (!turn || !binding) return;
    this.turn = undefined;
    const { router, routerTarget } = binding;
    if (router && routerTarget) {
      if (outcome === 'upstream_broke' || status >= 500 || status === 429) this.deps.health.failed(router, routerTarget, null);
      else if (outcome === 'completed') this.deps.health.succeeded(router, routerTarget);
    }
    this.deps.recorder.record({
      ctx: turn.ctx,
      route: ROUTE,
      status,
      apiModel: binding.apiModel,
      model: turn.model,
      upstreamModel: binding.upstreamModel,
      router: router?.name,
      outcome,
      observed: turn.observer.observed,
      claimUsage: turn.store ? (id) => this.deps.responseRoutes.markUsage(id) : undefined,
    });
    if (this.drainWhenIdle && !this.busy) this.close(1001, 'server shutting down');
  }

  /** One turn over HTTP: the pipeline streams it and the frames client turns SSE into frames. */
  private async bridge(frame: Buffer, fields: FrameFields, binding: Binding): Promise<void> {
    let request: CreateRequest;
    try {
      request = JSON.parse(frame.toString('utf8')) as CreateRequest;
    } catch {
      return this.sendError(badRequest('The frame is not valid JSON.', null, 'invalid_json'));
    }
    if (fields.generate === false) {
      // A warm-up: nothing to generate, and an HTTP upstream has no such call. The session
      // remembers it so the next turn can continue from it.
      const warm = warmUpFrames(request, binding.model);
      for (const f of warm.frames) this.client.send(f);
      this.last = { id: warm.id, input: bridgeRequest(request, binding.upstreamModel, this.last).input, output: [] };
      return;
    }
    const { body, input } = bridgeRequest(request, binding.upstreamModel, this.last);
    if (body.length > this.deps.bodyLimitBytes) {
      return this.sendError(new GatewayError('request_too_large', `The request is ${body.length} bytes with the session's earlier turns; the limit is ${this.deps.bodyLimitBytes}.`));
    }
    if (this.closed) return;
    const client = new FramesClient(this.client, () => {
      this.touch();
      this.deps.metrics.websocketFrame('out');
    });
    this.bridgeTurn = client;
    const tokenId = this.origin.token?.id ?? null;
    const store = fields.store !== false;
    try {
      await this.deps.pipeline.run(
        this.context(),
        {
          route: ROUTE,
          endpoint: 'responses',
          // A router's session is pinned to its target; as a plan it is still recorded (and its health kept) as the router's.
          targets:
            binding.router && binding.routerTarget
              ? { router: binding.router, order: [binding.routerTarget], pinned: true, shape: (apiModel, upstreamModel) => ({ apiModel, body, upstreamModel }) }
              : [{ apiModel: binding.apiModel, body, upstreamModel: binding.upstreamModel }],
          model: binding.model,
          path: '/responses',
          query: this.origin.query,
          method: 'POST',
          remember: store
            ? (responseId, apiModel, upstreamModel) =>
                this.deps.responseRoutes.remember({ responseId, apiModelId: apiModel.id, model: binding.model, upstreamModel, tokenId, createdAt: Date.now(), usageCountedAt: null })
            : undefined,
          usageOnce: store ? 'create' : undefined,
        },
        client,
      );
    } finally {
      this.bridgeTurn = undefined;
    }
    const final = client.finalResponse;
    if (final && typeof final.id === 'string') this.last = { id: final.id, input, output: Array.isArray(final.output) ? final.output : [] };
  }

  private clientClosed(code: number, reason: Buffer): void {
    clearTimeout(this.idleTimer);
    this.closed = true;
    this.bridgeTurn?.clientClosed();
    if (this.turn) this.finishTurn('client_closed', 499);
    if (this.upstream) this.closeUpstream(sendableCloseCode(code, code === 1006 ? 1001 : 1000), reason.toString('utf8'));
    this.resolveDone();
  }

  private closeUpstream(code: number, reason: string): void {
    const upstream = this.upstream!;
    if (upstream.readyState === upstream.OPEN) upstream.close(code, reason);
    // A close handshake the upstream never answers must not keep its socket open.
    setTimeout(() => upstream.terminate(), CLOSE_GRACE_MS).unref();
  }

  private upstreamClosed(code: number, reason: Buffer): void {
    if (this.turn) {
      this.finishTurn('upstream_broke', 502);
    }
    if (!this.closed) {
      this.closed = true;
      clearTimeout(this.idleTimer);
      const send = () => this.client.close(sendableCloseCode(code, code === 1006 ? 1011 : 1000), reason.toString('utf8'));
      if (this.outbound) void this.outbound.then(send);
      else send();
    }
  }
}
