// Prometheus metrics (prom-client), one registry per gateway (no global default registry).
// Cache hit counts are plain integers kept by the caches themselves, read at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Usage } from '../domain/usage.js';

export interface CacheStats {
  hits: number;
  misses: number;
}

export interface CacheSources {
  token: () => CacheStats;
  model: () => CacheStats;
  responseRoute: () => CacheStats;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'bodhi_requests_total',
    help: 'Requests by method, route, API model and HTTP status.',
    labelNames: ['method', 'route', 'api_model', 'status'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'bodhi_request_duration_seconds',
    help: 'Total request time, from the first byte in to the last byte out.',
    labelNames: ['method', 'route', 'api_model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly upstreamHeaders = new Histogram({
    name: 'bodhi_upstream_time_to_headers_seconds',
    help: 'Time from the request arriving until the upstream response headers arrived.',
    labelNames: ['method', 'route', 'api_model'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly streams = new Gauge({
    name: 'bodhi_active_streams',
    help: 'SSE responses currently being streamed to clients.',
    labelNames: ['api_model'] as const,
    registers: [this.registry],
  });
  private readonly upstreamErrors = new Counter({
    name: 'bodhi_upstream_errors_total',
    help: 'Upstream failures by kind (refused, dns, connect_timeout, headers_timeout, reset_before_headers, broke_mid_body, ...).',
    labelNames: ['api_model', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly malformedUsageCount = new Counter({
    name: 'bodhi_upstream_malformed_usage_total',
    help: 'Upstream answers whose usage held a count that is not a non-negative integer (that count was ignored).',
    labelNames: ['api_model'] as const,
    registers: [this.registry],
  });
  private readonly unreadableCount = new Counter({
    name: 'bodhi_upstream_unreadable_answers_total',
    help: 'Upstream answers the gateway could not read (an encoding it cannot undo): no response id, no usage, no routing record.',
    labelNames: ['api_model'] as const,
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'bodhi_model_tokens_total',
    help: 'Model tokens reported by upstreams, counted once per response.',
    labelNames: ['api_model', 'model', 'kind'] as const,
    registers: [this.registry],
  });

  constructor(caches: CacheSources) {
    collectDefaultMetrics({ register: this.registry, prefix: 'bodhi_' });
    const lookups = new Counter({
      name: 'bodhi_cache_lookups_total',
      help: 'In-memory cache lookups by cache and result (token, model, response_route).',
      labelNames: ['cache', 'result'] as const,
      registers: [this.registry],
      // The caches count for themselves; mirror their totals at scrape time.
      collect() {
        this.reset();
        for (const [cache, read] of Object.entries({ token: caches.token, model: caches.model, response_route: caches.responseRoute })) {
          const { hits, misses } = read();
          this.labels(cache, 'hit').inc(hits);
          this.labels(cache, 'miss').inc(misses);
        }
      },
    });
    void lookups;
  }

  /** `route` is the route pattern (e.g. `/v1/responses/:id`), so label values stay few. */
  request(method: string, route: string, apiModel: string, status: number, seconds: number, upstreamHeadersSeconds: number | null): void {
    const labels = { method, route, api_model: apiModel };
    this.requests.inc({ ...labels, status: String(status) });
    this.duration.observe(labels, seconds);
    if (upstreamHeadersSeconds !== null) this.upstreamHeaders.observe(labels, upstreamHeadersSeconds);
  }

  streamStarted(apiModel: string): void {
    this.streams.inc({ api_model: apiModel });
  }

  streamEnded(apiModel: string): void {
    this.streams.dec({ api_model: apiModel });
  }

  upstreamError(apiModel: string, kind: string): void {
    this.upstreamErrors.inc({ api_model: apiModel, kind });
  }

  unreadableAnswer(apiModel: string): void {
    this.unreadableCount.inc({ api_model: apiModel });
  }

  malformedUsage(apiModel: string): void {
    this.malformedUsageCount.inc({ api_model: apiModel });
  }

  usage(apiModel: string, model: string, usage: Usage): void {
    if (usage.inputTokens) this.tokens.inc({ api_model: apiModel, model, kind: 'input' }, usage.inputTokens);
    if (usage.outputTokens) this.tokens.inc({ api_model: apiModel, model, kind: 'output' }, usage.outputTokens);
    if (usage.reasoningTokens) this.tokens.inc({ api_model: apiModel, model, kind: 'reasoning' }, usage.reasoningTokens);
    if (usage.cachedTokens) this.tokens.inc({ api_model: apiModel, model, kind: 'cached' }, usage.cachedTokens);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
