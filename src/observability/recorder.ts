// Records each finished request once: the access-log line and Prometheus metrics for every
// route, plus a request-log row for /v1 calls. Called by whoever knows how the request ended:
// the proxy (upstream outcome, what the response carried), the local-inference handler, or,
// for requests the gateway answered itself, the onResponse hook. A client that disconnects is
// recorded too (Fastify's onResponse never runs for it).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { RequestLogWriter } from '../usage/request-log.js';
import type { Observation } from '../pipeline/response-observer.js';
import type { GatewayMetrics } from './metrics.js';
import { redactSecrets } from './redact.js';
import type { Tracing } from './tracing.js';

export interface FinishedRequest {
  request: FastifyRequest;
  reply: FastifyReply;
  status: number;
  apiModel?: { id: string; name: string } | undefined;
  model?: string | undefined;
  /** The route pattern, when the caller knows it (saves Fastify's routeOptions getter on the hot path). */
  route?: string | undefined;
  /** performance.now() when the request arrived (taken while the reply was still open). */
  startedAt?: number | undefined;
  /** performance.now() when the upstream's headers arrived. */
  upstreamHeadersAt?: number | null;
  outcome: string;
  observed?: Observation | undefined;
  /**
   * For Responses create/retrieve: usage counts only if this call is the first to claim the
   * response (a background response's usage shows up again on every later poll).
   */
  claimUsage?: ((responseId: string) => boolean | Promise<boolean>) | undefined;
}

export class RequestRecorder {
  /** Usage claims still waiting for the database; their rows follow them. */
  private readonly claims = new Set<Promise<void>>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly log: RequestLogWriter,
    /** The access log: fixed fields, and the client-picked ones (URL, model) redacted here; it skips the logger's redaction. */
    private readonly accessLog: Logger,
    private readonly tracing: Tracing | undefined,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Waits for usage claims in flight, so their request-log rows are queued before a last flush. */
  async drain(): Promise<void> {
    while (this.claims.size) await Promise.allSettled([...this.claims]);
  }

  record(f: FinishedRequest): void {
    const { request, reply } = f;
    const durationMs = reply.elapsedTime;
    this.accessLog.info(
      {
        reqId: request.id,
        method: request.method,
        url: redactSecrets(request.url),
        status: f.status,
        ms: Math.round(durationMs * 100) / 100,
        tokenName: request.token?.name,
        model: f.model === undefined ? undefined : redactSecrets(f.model),
        apiModel: f.apiModel?.name,
        outcome: f.outcome,
      },
      'request',
    );
    const ttfbMs = f.upstreamHeadersAt && f.startedAt !== undefined ? f.upstreamHeadersAt - f.startedAt : null;
    const route = f.route ?? request.routeOptions.url ?? 'unmatched';
    const apiModelName = f.apiModel?.name ?? '';
    this.metrics.request(request.method, route, apiModelName, f.status, durationMs / 1000, ttfbMs === null ? null : ttfbMs / 1000);
    if (request.span) this.tracing?.end(request.span, f.status);
    if (!request.url.startsWith('/v1/')) return;

    if (f.observed?.malformedUsage) this.metrics.malformedUsage(apiModelName);
    if (f.observed?.unreadable) {
      this.metrics.unreadableAnswer(apiModelName);
      // A created response read this way has no routing record: its id routes like one made elsewhere.
      request.log.warn({ apiModel: apiModelName, why: f.observed.unreadable }, 'upstream answer could not be read: no response id, usage or routing record');
    }
    const usage = f.observed?.usage;
    const responseId = f.observed?.responseId ?? null;
    const write = (usageCounted: boolean) => {
      if (usageCounted && usage) this.metrics.usage(apiModelName, f.model ?? '', usage);
      this.log.push({
        id: request.id,
        createdAt: Date.now() - Math.round(durationMs),
        tokenId: request.token?.id ?? null,
        tokenName: request.token?.name ?? null,
        method: request.method,
        route: route === 'unmatched' ? redactSecrets(request.url.split('?')[0]!) : route,
        model: f.model === undefined ? null : redactSecrets(f.model),
        apiModelId: f.apiModel?.id ?? null,
        apiModelName: f.apiModel?.name ?? null,
        status: f.status,
        durationMs: Math.round(durationMs * 100) / 100,
        ttfbMs: ttfbMs === null ? null : Math.round(ttfbMs * 100) / 100,
        responseId,
        stream: f.observed?.stream ?? false,
        outcome: f.outcome,
        inputTokens: usage?.inputTokens ?? null,
        outputTokens: usage?.outputTokens ?? null,
        reasoningTokens: usage?.reasoningTokens ?? null,
        cachedTokens: usage?.cachedTokens ?? null,
        usageCounted,
      });
    };
    if (!usage) return write(false);
    if (!f.claimUsage || !responseId) return write(true);
    const claimed = f.claimUsage(responseId);
    if (typeof claimed === 'boolean') return write(claimed);
    const pending = claimed.then(write, (err) => {
      this.onError(err);
      write(false);
    });
    this.claims.add(pending);
    void pending.finally(() => this.claims.delete(pending));
  }
}
