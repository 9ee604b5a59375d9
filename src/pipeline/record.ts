// The pipeline's last step: records each finished request once: the access-log line and
// Prometheus metrics for every route, plus a request-log row for model API calls (/v1,
// /anthropic, /v1beta). Called by whoever knows how the request ended: the proxy (upstream
// outcome, what the answer carried), the local-inference handler, or, for requests the gateway
// answered itself, the app's onResponse hook. A client that disconnects is recorded too.
import type { Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import type { Outcome } from '../domain/outcome.js';
import type { Observation } from '../domain/usage.js';
import type { GatewayMetrics } from '../observability/metrics.js';
import { redactSecrets } from '../observability/redact.js';
import type { Tracing } from '../observability/tracing.js';
import type { AuthToken } from '../state/token-cache.js';
import type { AttemptRecord, RequestError } from '../store/types.js';
import type { RequestLogWriter } from '../usage/request-log.js';

/** The client surfaces whose calls get request-log rows: OpenAI's, Anthropic's, Gemini's. */
const MODEL_API = /^\/(v1|v1beta|anthropic)\//;

/** The little the pipeline needs to log. */
export interface LogSink {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** One client request as the pipeline sees it, whatever framework received it. */
export interface RequestContext {
  readonly id: string;
  readonly method: string;
  /** The URL as the client sent it (path and query). */
  readonly url: string;
  /** Raw request headers, flat [name, value, ...]. */
  readonly rawHeaders: readonly string[];
  readonly token: AuthToken | null;
  /** performance.now() when the request arrived. */
  readonly startedAt: number;
  readonly span: Span | undefined;
  readonly log: LogSink;
}

export interface FinishedRequest {
  ctx: RequestContext;
  status: number;
  apiModel?: { id: string; name: string } | undefined;
  model?: string | undefined;
  /** The model id the upstream got (when known). */
  upstreamModel?: string | undefined;
  /** The router the client named, and every try it made, when a router served the call. */
  router?: string | undefined;
  attempts?: AttemptRecord[] | undefined;
  /** The route pattern (`/v1/responses/:id`), or undefined when no route matched. */
  route: string | undefined;
  /** performance.now() when the upstream's headers arrived. */
  upstreamHeadersAt?: number | null;
  outcome: Outcome;
  /** The gateway's own error answer (rejected or failed calls only); stored with secrets redacted. */
  error?: RequestError | undefined;
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
    const request = f.ctx;
    const durationMs = performance.now() - request.startedAt;
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
    const ttfbMs = f.upstreamHeadersAt ? f.upstreamHeadersAt - request.startedAt : null;
    const route = f.route ?? 'unmatched';
    const apiModelName = f.apiModel?.name ?? '';
    this.metrics.request(request.method, route, apiModelName, f.status, durationMs / 1000, ttfbMs === null ? null : ttfbMs / 1000);
    if (request.span) this.tracing?.end(request.span, f.status);
    if (!MODEL_API.test(request.url)) return;

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
        router: f.router ?? null,
        upstreamModel: f.upstreamModel ?? null,
        attempts: f.attempts ?? null,
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
        // Always set (undefined for most calls), so every row has one shape.
        error: f.error ? { code: f.error.code, message: redactSecrets(f.error.message) } : undefined,
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
