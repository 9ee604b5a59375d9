// The pipeline for upstream-served calls, after resolve and plan: attempt each target in turn
// until one answers, observe the answer as it passes (response id, usage), and record how the
// call ended (access log, metrics, request log). A router's call moves to its next target on
// no answer or a status the router retries, never once a byte reached the client.
// Framework-free: the surface hands in the request's context and a ClientResponse.
import type { Dispatcher } from 'undici';
import type { Endpoint } from '../domain/formats.js';
import type { Outcome } from '../domain/outcome.js';
import { GatewayError } from '../errors/catalogue.js';
import { ERROR_CATALOGUE } from '../errors/codes.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import type { ResponseRoutes } from '../state/response-routes.js';
import type { LiveApiModel, LiveRouterTarget } from '../state/registry.js';
import { retryAfterMs, type RouterHealth } from '../state/router-health.js';
import type { AttemptRecord } from '../store/types.js';
import { upstreamRequestHeaders } from '../upstream/headers.js';
import { isHeadersTimeout, networkErrorText, neverReachedUpstream, upstreamErrorKind } from '../upstream/network-errors.js';
import { attempt, type AttemptOutcome } from './attempt.js';
import type { ClientResponse } from './client.js';
import { observeAnswer, type AnswerObserver } from './observe.js';
import type { RouterPlan, Target } from './plan.js';
import type { RequestContext, RequestRecorder } from './record.js';

export interface ProxyDeps {
  readonly dispatcher: Dispatcher;
  readonly metrics: Pick<GatewayMetrics, 'streamStarted' | 'streamEnded' | 'upstreamError' | 'routerFallback' | 'routerServed'>;
  readonly health: Pick<RouterHealth, 'admit' | 'succeeded' | 'failed' | 'released' | 'nextAvailableAt'>;
  readonly tracing: Tracing | undefined;
  readonly recorder: Pick<RequestRecorder, 'record'>;
  readonly responseRoutes: Pick<ResponseRoutes, 'markUsage' | 'claimUsage'>;
}

export interface ProxyCall {
  /** The gateway route pattern, e.g. `/v1/responses/:id`, for metrics and the request log. */
  readonly route: string;
  readonly endpoint: Endpoint;
  /** One API model (or a few to try in turn), or a router's plan. */
  readonly targets: readonly Target[] | RouterPlan;
  /** The model the client named (or the routing record's), for logs and usage. */
  readonly model?: string | undefined;
  /** Path below the API model's base URL, e.g. `/responses`. */
  readonly path: string;
  /** The raw query string, `''` or starting with `?`. */
  readonly query: string;
  /** The upstream request's method when it is not the client's (a WebSocket turn is a POST). */
  readonly method?: string;
  /** Records a created response's id before the client can have it (routing records). */
  readonly remember?: ((responseId: string, apiModel: LiveApiModel, upstreamModel: string | null) => void | Promise<void>) | undefined;
  /**
   * Usage of a Responses response counts once: `create` counts what it sees (and marks the
   * record), `poll` counts only if it is the first to see a background response's usage.
   */
  readonly usageOnce?: 'create' | 'poll' | undefined;
}

const OUTCOME: Record<AttemptOutcome['kind'], Outcome> = {
  completed: 'completed',
  held: 'completed',
  client_closed: 'client_closed',
  upstream_failed: 'upstream_failed',
  upstream_broke: 'upstream_broke',
};

/** The answer a client gets when the upstream never answered. Names the API model, never its key. */
export function upstreamFailure(apiModel: LiveApiModel, err: Error): GatewayError {
  const timeout = isHeadersTimeout(err);
  return new GatewayError(
    timeout ? 'upstream_timeout' : 'upstream_unavailable',
    `Upstream of API model '${apiModel.name}' (${apiModel.origin}) is unavailable: ${networkErrorText(err)}.`,
  );
}

/** upstreamFailure(…).status, without building the error (and capturing its stack) only to read it. */
function upstreamFailureStatus(err: Error): number {
  return ERROR_CATALOGUE[isHeadersTimeout(err) ? 'upstream_timeout' : 'upstream_unavailable'].status;
}

/** The answer when every target of a router is cooling down (or none is loaded). */
export function routerUnavailable(name: string, retryInMs: number): GatewayError {
  const finite = Number.isFinite(retryInMs);
  const seconds = Math.max(1, Math.ceil(retryInMs / 1000));
  return new GatewayError(
    'router_unavailable',
    finite
      ? `Every target of router '${name}' is cooling down after failures; try again in ${seconds} s.`
      : `Router '${name}' has no usable target: each is disabled or its API model is gone.`,
    finite ? { headers: { 'retry-after': String(seconds), 'retry-after-ms': String(Math.max(0, Math.round(retryInMs))) } } : {},
  );
}

/** Why a router moved past a target, as metrics and the request log name it. */
const fallbackReason = (outcome: AttemptOutcome): string =>
  outcome.kind === 'upstream_failed' ? upstreamErrorKind(outcome.cause) : outcome.kind === 'upstream_broke' ? 'broke_mid_body' : `http_${outcome.status}`;

interface Tried {
  target: Target;
  routerTarget: LiveRouterTarget;
  observer: AnswerObserver;
  outcome: AttemptOutcome;
}

export class ProxyPipeline {
  constructor(private readonly deps: ProxyDeps) {}

  async run(ctx: RequestContext, call: ProxyCall, client: ClientResponse): Promise<AttemptOutcome> {
    if (!Array.isArray(call.targets)) return this.runRouted(ctx, call, call.targets as RouterPlan, client);
    const targets = call.targets as readonly Target[];
    if (targets.length === 0) throw new Error('a proxied call needs at least one target');
    let target = targets[0]!;
    let observer = this.observer(call, target);
    let outcome = await this.attemptOne(ctx, call, target, observer, client);
    // Nothing reached the client and the upstream never saw the request: the next target may
    // answer, and cannot act on it twice.
    for (let i = 1; i < targets.length && outcome.kind === 'upstream_failed' && neverReachedUpstream(outcome.cause); i++) {
      target = targets[i]!;
      observer = this.observer(call, target);
      outcome = await this.attemptOne(ctx, call, target, observer, client);
    }
    const failure = outcome.kind === 'upstream_failed' ? upstreamFailure(target.apiModel, outcome.cause) : undefined;
    if (failure) client.fail(failure);
    this.record(ctx, call, target, observer, outcome, undefined, failure);
    return outcome;
  }

  /**
   * Tries the router's targets in the plan's order, each only if its health admits it, at most
   * max_attempts of them. An answer with a status the router retries is held back while
   * another target may still answer; the last one tried answers as it is.
   */
  private async runRouted(ctx: RequestContext, call: ProxyCall, plan: RouterPlan, client: ClientResponse): Promise<AttemptOutcome> {
    const { router, order, pinned } = plan;
    const { health, metrics } = this.deps;
    const maxAttempts = pinned ? 1 : router.maxAttempts;
    const hold = (status: number) => router.retryOnStatus.has(status);
    const attempts: AttemptRecord[] = [];
    let final: Tried | undefined;
    /** The last answer held back, or the last target that never answered. */
    let fallback: Tried | undefined;
    for (let i = 0; i < order.length && attempts.length < maxAttempts; i++) {
      const routerTarget = order[i]!;
      if (!pinned && !health.admit(router, routerTarget)) continue;
      const target = plan.shape(routerTarget.apiModel, routerTarget.model);
      const observer = this.observer(call, target);
      const startedAt = performance.now();
      const lastTry = attempts.length + 1 === maxAttempts;
      const onHead = (status: number) => {
        if (hold(status)) return !(pinned || lastTry);
        // A good head settles the target's health (and frees its one trial call) now, not when
        // a long stream ends.
        health.succeeded(router, routerTarget);
        return false;
      };
      const outcome = await this.attemptOne(ctx, call, target, observer, client, onHead);
      const tried: Tried = { target, routerTarget, observer, outcome };
      const reason = outcome.kind === 'completed' && !hold(outcome.status) ? null : outcome.kind === 'client_closed' ? 'client_closed' : fallbackReason(outcome);
      attempts.push({
        api_model: routerTarget.apiModel.name,
        model: routerTarget.model,
        status: 'status' in outcome ? outcome.status : null,
        reason,
        duration_ms: Math.round((performance.now() - startedAt) * 100) / 100,
      });
      if (outcome.kind === 'client_closed') {
        health.released(router, routerTarget);
        final = tried;
        break;
      }
      if (reason !== null) health.failed(router, routerTarget, 'headers' in outcome ? retryAfterMs(outcome.headers) : null);
      if (outcome.kind === 'held' || outcome.kind === 'upstream_failed') {
        metrics.routerFallback(router.name, routerTarget.label, reason!);
        // An answer beats no answer: a later target that never answers keeps the held one.
        if (outcome.kind === 'held' || fallback?.outcome.kind !== 'held') fallback = tried;
        continue;
      }
      final = tried;
      break;
    }
    if (!final && fallback?.outcome.kind === 'held') {
      const { status, headers, body, headersAt } = fallback.outcome;
      client.commit(status, headers, false);
      for (const chunk of body) client.write(chunk);
      client.end();
      final = { ...fallback, outcome: { kind: 'completed', status, headersAt, headers } };
    }
    let failure: GatewayError | undefined;
    if (!final && fallback) {
      final = fallback;
      failure = upstreamFailure(fallback.target.apiModel, (fallback.outcome as { cause: Error }).cause);
      client.fail(failure);
    }
    if (!final) {
      const error = routerUnavailable(router.name, health.nextAvailableAt(router) - Date.now());
      client.fail(error);
      this.deps.recorder.record({ ctx, route: call.route, status: error.status, model: call.model, router: router.name, attempts, outcome: 'rejected', error: { code: error.code, message: error.message } });
      return { kind: 'upstream_failed', cause: error };
    }
    const status = final.outcome.kind === 'upstream_failed' ? upstreamFailureStatus(final.outcome.cause) : (final.outcome.status ?? 499);
    metrics.routerServed(router.name, final.routerTarget.label, status);
    this.record(ctx, call, final.target, final.observer, final.outcome, { router: router.name, attempts }, failure);
    return final.outcome;
  }

  private observer(call: ProxyCall, target: Target): AnswerObserver {
    const remember = call.remember;
    return observeAnswer(target.apiModel.provider.reader(call.endpoint), remember && ((id) => remember(id, target.apiModel, target.upstreamModel ?? null)));
  }

  private async attemptOne(
    ctx: RequestContext,
    call: ProxyCall,
    target: Target,
    observer: AnswerObserver,
    client: ClientResponse,
    hold?: (status: number) => boolean,
  ): Promise<AttemptOutcome> {
    const { apiModel, body } = target;
    const { metrics, tracing } = this.deps;
    const path = target.path ?? call.path;
    const method = call.method ?? ctx.method;
    const upstreamSpan = ctx.span && tracing?.startUpstream(ctx.span, apiModel.name, method, apiModel.origin + apiModel.basePath + path);
    const request = {
      origin: apiModel.origin,
      path: apiModel.basePath + path + call.query,
      method,
      headers: upstreamRequestHeaders(ctx.rawHeaders, apiModel.credentials, body ? body.length : null, apiModel.provider.defaultHeaders),
      body,
    };
    const outcome = await attempt(this.deps.dispatcher, request, client, streamMetrics(observer, metrics, apiModel.name), hold);
    let status: number;
    switch (outcome.kind) {
      case 'completed':
      case 'held':
        status = outcome.status;
        if (status === 429 || status >= 500) metrics.upstreamError(apiModel.name, `http_${status === 429 ? '429' : '5xx'}`);
        break;
      case 'client_closed':
        // 499: the nginx convention for "client closed the request".
        status = outcome.status ?? 499;
        ctx.log.info({ apiModel: apiModel.name, status: outcome.status }, 'client closed the connection; upstream request aborted');
        break;
      case 'upstream_failed':
        status = upstreamFailureStatus(outcome.cause);
        metrics.upstreamError(apiModel.name, upstreamErrorKind(outcome.cause));
        ctx.log.warn({ apiModel: apiModel.name, err: outcome.cause, status }, 'upstream request failed');
        break;
      case 'upstream_broke':
        status = outcome.status;
        metrics.upstreamError(apiModel.name, 'broke_mid_body');
        ctx.log.warn({ apiModel: apiModel.name, err: outcome.cause, status }, 'upstream connection broke mid-body; client connection cut');
        break;
    }
    if (upstreamSpan) tracing!.end(upstreamSpan, status, 'cause' in outcome ? outcome.cause : undefined);
    return outcome;
  }

  private record(
    ctx: RequestContext,
    call: ProxyCall,
    target: Target,
    observer: AnswerObserver,
    outcome: AttemptOutcome,
    routed?: { router: string; attempts: AttemptRecord[] },
    failure?: GatewayError,
  ): void {
    const routes = this.deps.responseRoutes;
    this.deps.recorder.record({
      ctx,
      route: call.route,
      status: outcome.kind === 'upstream_failed' ? upstreamFailureStatus(outcome.cause) : (outcome.status ?? 499),
      apiModel: target.apiModel,
      model: call.model,
      upstreamModel: target.upstreamModel,
      router: routed?.router,
      attempts: routed?.attempts,
      upstreamHeadersAt: 'headersAt' in outcome ? outcome.headersAt : null,
      outcome: OUTCOME[outcome.kind],
      observed: observer.observed,
      error: failure && { code: failure.code, message: failure.message },
      claimUsage:
        call.usageOnce === 'create'
          ? (id: string) => routes.markUsage(id)
          : call.usageOnce === 'poll'
            ? (id: string) => routes.claimUsage(id)
            : undefined,
    });
  }
}

/** Counts open streams per API model around an observer. */
function streamMetrics(observer: AnswerObserver, metrics: ProxyDeps['metrics'], apiModelName: string): AnswerObserver {
  let streaming = false;
  // An SSE answer is a stream from its head; a streamed JSON array from its first bytes.
  const started = () => {
    if (streaming || !observer.observed.stream) return;
    streaming = true;
    metrics.streamStarted(apiModelName);
  };
  return {
    observed: observer.observed,
    start(status, contentType, contentEncoding) {
      observer.start(status, contentType, contentEncoding);
      started();
    },
    data(chunk) {
      const held = observer.data(chunk);
      started();
      return held;
    },
    end(complete) {
      if (streaming) metrics.streamEnded(apiModelName);
      return observer.end(complete);
    },
  };
}
