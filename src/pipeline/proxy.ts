// Hands a validated request to the upstream layer, watches what comes back (response id,
// usage) without touching it, and records the outcome (log line, metrics, request log).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveApiModel } from '../state/registry.js';
import type { Gateway } from '../app/gateway.js';
import { forward, upstreamErrorKind, type ForwardOutcome } from '../upstream/forward.js';
import { observeResponse, type ObservedKind, type OnResponseId } from './response-observer.js';

export interface ProxyCall {
  /** The gateway route pattern, e.g. `/v1/responses/:id`, for metrics and the request log. */
  route: string;
  apiModel: LiveApiModel;
  /** The model the client named (or the routing record's), for logs and usage. */
  model?: string | undefined;
  path: string;
  query: string;
  body: Buffer | null;
  /** What kind of answer to watch for ids and usage. */
  observe: ObservedKind;
  /** Called with a created response's id before the client can have it (routing records). */
  onResponseId?: OnResponseId | undefined;
  /**
   * Usage of a Responses response counts once: `create` counts what it sees (and marks the
   * record), `poll` counts only if it is the first to see a background response's usage.
   */
  usageOnce?: 'create' | 'poll' | undefined;
}

const OUTCOME: Record<ForwardOutcome['kind'], string> = {
  completed: 'completed',
  client_closed: 'client_closed',
  upstream_failed_before_headers: 'upstream_failed',
  upstream_broke_mid_body: 'upstream_broke',
};

export async function proxy(gw: Gateway, request: FastifyRequest, reply: FastifyReply, call: ProxyCall): Promise<ForwardOutcome> {
  // elapsedTime runs from the request's arrival while the reply is open: its start, on our clock.
  const startedAt = performance.now() - reply.elapsedTime;
  // From here on the response is written by the forwarder, byte for byte.
  reply.hijack();
  request.proxy = { model: call.model, apiModel: call.apiModel.name };
  const apiModelName = call.apiModel.name;
  const observer = observeResponse(call.observe, call.onResponseId);
  let streaming = false;
  const tap = {
    start(status: number, contentType: string, contentEncoding?: string) {
      observer.start(status, contentType, contentEncoding);
      if (observer.observed.stream) {
        streaming = true;
        gw.metrics.streamStarted(apiModelName);
      }
      return true;
    },
    data: observer.data,
    end(complete: boolean) {
      if (streaming) gw.metrics.streamEnded(apiModelName);
      return observer.end(complete);
    },
  };
  const upstreamSpan =
    request.span && gw.tracing?.startUpstream(request.span, apiModelName, request.method, call.apiModel.origin + call.apiModel.basePath + call.path);
  const outcome = await forward(gw.dispatcher, {
    apiModel: call.apiModel,
    method: request.method,
    path: call.path,
    query: call.query,
    body: call.body,
    req: request.raw,
    res: reply.raw,
    tap,
  });
  request.proxy.outcome = outcome.kind;

  let status: number;
  switch (outcome.kind) {
    case 'completed':
      status = outcome.status;
      if (status === 429 || status >= 500) gw.metrics.upstreamError(apiModelName, `http_${status === 429 ? '429' : '5xx'}`);
      break;
    case 'client_closed':
      // 499: the nginx convention for "client closed the request".
      status = outcome.status ?? 499;
      request.log.info({ apiModel: apiModelName, status: outcome.status }, 'client closed the connection; upstream request aborted');
      break;
    case 'upstream_failed_before_headers':
      status = outcome.error.status;
      gw.metrics.upstreamError(apiModelName, upstreamErrorKind(outcome.cause));
      request.log.warn({ apiModel: apiModelName, err: outcome.cause, status }, 'upstream request failed');
      break;
    case 'upstream_broke_mid_body':
      status = outcome.status;
      gw.metrics.upstreamError(apiModelName, 'broke_mid_body');
      request.log.warn({ apiModel: apiModelName, err: outcome.cause, status }, 'upstream connection broke mid-body; client connection cut');
      break;
  }
  if (upstreamSpan) gw.tracing!.end(upstreamSpan, status, 'cause' in outcome ? outcome.cause : undefined);
  gw.recorder.record({
    request,
    reply,
    route: call.route,
    status,
    apiModel: call.apiModel,
    model: call.model,
    startedAt,
    upstreamHeadersAt: 'headersAt' in outcome ? outcome.headersAt : null,
    outcome: OUTCOME[outcome.kind],
    observed: observer.observed,
    claimUsage:
      call.usageOnce === 'create'
        ? (id: string) => gw.responseRoutes.markUsage(id)
        : call.usageOnce === 'poll'
          ? (id: string) => gw.responseRoutes.claimUsage(id)
          : undefined,
  });
  return outcome;
}
