// The pipeline for upstream-served calls, after resolve and plan: attempt each target in turn
// until one answers, observe the answer as it passes (response id, usage), and record how the
// call ended (access log, metrics, request log). Framework-free: the surface hands in the
// request's context and a ClientResponse.
import type { Dispatcher } from 'undici';
import type { Endpoint } from '../domain/formats.js';
import type { Outcome } from '../domain/outcome.js';
import { GatewayError } from '../errors/catalogue.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import type { Tracing } from '../observability/tracing.js';
import type { ResponseRoutes } from '../state/response-routes.js';
import type { LiveApiModel } from '../state/registry.js';
import { upstreamRequestHeaders } from '../upstream/headers.js';
import { isHeadersTimeout, networkErrorText, neverReachedUpstream, upstreamErrorKind } from '../upstream/network-errors.js';
import { attempt, type AttemptOutcome } from './attempt.js';
import type { ClientResponse } from './client.js';
import { observeAnswer, type AnswerObserver } from './observe.js';
import type { Target } from './plan.js';
import type { RequestContext, RequestRecorder } from './record.js';

export interface ProxyDeps {
  readonly dispatcher: Dispatcher;
  readonly metrics: Pick<GatewayMetrics, 'streamStarted' | 'streamEnded' | 'upstreamError'>;
  readonly tracing: Tracing | undefined;
  readonly recorder: Pick<RequestRecorder, 'record'>;
  readonly responseRoutes: Pick<ResponseRoutes, 'markUsage' | 'claimUsage'>;
}

export interface ProxyCall {
  /** The gateway route pattern, e.g. `/v1/responses/:id`, for metrics and the request log. */
  readonly route: string;
  readonly endpoint: Endpoint;
  readonly targets: readonly Target[];
  /** The model the client named (or the routing record's), for logs and usage. */
  readonly model?: string | undefined;
  /** Path below the API model's base URL, e.g. `/responses`. */
  readonly path: string;
  /** The raw query string, `''` or starting with `?`. */
  readonly query: string;
  /** Records a created response's id before the client can have it (routing records). */
  readonly remember?: ((responseId: string, apiModel: LiveApiModel) => void | Promise<void>) | undefined;
  /**
   * Usage of a Responses response counts once: `create` counts what it sees (and marks the
   * record), `poll` counts only if it is the first to see a background response's usage.
   */
  readonly usageOnce?: 'create' | 'poll' | undefined;
}

const OUTCOME: Record<AttemptOutcome['kind'], Outcome> = {
  completed: 'completed',
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

export class ProxyPipeline {
  constructor(private readonly deps: ProxyDeps) {}

  async run(ctx: RequestContext, call: ProxyCall, client: ClientResponse): Promise<AttemptOutcome> {
    if (call.targets.length === 0) throw new Error('a proxied call needs at least one target');
    let target = call.targets[0]!;
    let observer = this.observer(call, target);
    let outcome = await this.attemptOne(ctx, call, target, observer, client);
    // Nothing reached the client and the upstream never saw the request: the next target may
    // answer, and cannot act on it twice.
    for (let i = 1; i < call.targets.length && outcome.kind === 'upstream_failed' && neverReachedUpstream(outcome.cause); i++) {
      target = call.targets[i]!;
      observer = this.observer(call, target);
      outcome = await this.attemptOne(ctx, call, target, observer, client);
    }
    if (outcome.kind === 'upstream_failed') client.fail(upstreamFailure(target.apiModel, outcome.cause));
    this.record(ctx, call, target, observer, outcome);
    return outcome;
  }

  private observer(call: ProxyCall, target: Target): AnswerObserver {
    const remember = call.remember;
    return observeAnswer(target.apiModel.provider.reader(call.endpoint), remember && ((id) => remember(id, target.apiModel)));
  }

  private async attemptOne(ctx: RequestContext, call: ProxyCall, target: Target, observer: AnswerObserver, client: ClientResponse): Promise<AttemptOutcome> {
    const { apiModel, body } = target;
    const { metrics, tracing } = this.deps;
    const path = target.path ?? call.path;
    const upstreamSpan = ctx.span && tracing?.startUpstream(ctx.span, apiModel.name, ctx.method, apiModel.origin + apiModel.basePath + path);
    const request = {
      origin: apiModel.origin,
      path: apiModel.basePath + path + call.query,
      method: ctx.method,
      headers: upstreamRequestHeaders(ctx.rawHeaders, apiModel.credentials, body ? body.length : null, apiModel.provider.defaultHeaders),
      body,
    };
    const outcome = await attempt(this.deps.dispatcher, request, client, streamMetrics(observer, metrics, apiModel.name));
    let status: number;
    switch (outcome.kind) {
      case 'completed':
        status = outcome.status;
        if (status === 429 || status >= 500) metrics.upstreamError(apiModel.name, `http_${status === 429 ? '429' : '5xx'}`);
        break;
      case 'client_closed':
        // 499: the nginx convention for "client closed the request".
        status = outcome.status ?? 499;
        ctx.log.info({ apiModel: apiModel.name, status: outcome.status }, 'client closed the connection; upstream request aborted');
        break;
      case 'upstream_failed':
        status = upstreamFailure(apiModel, outcome.cause).status;
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

  private record(ctx: RequestContext, call: ProxyCall, target: Target, observer: AnswerObserver, outcome: AttemptOutcome): void {
    const routes = this.deps.responseRoutes;
    this.deps.recorder.record({
      ctx,
      route: call.route,
      status: outcome.kind === 'upstream_failed' ? upstreamFailure(target.apiModel, outcome.cause).status : (outcome.status ?? 499),
      apiModel: target.apiModel,
      model: call.model,
      upstreamHeadersAt: 'headersAt' in outcome ? outcome.headersAt : null,
      outcome: OUTCOME[outcome.kind],
      observed: observer.observed,
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
