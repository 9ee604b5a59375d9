// Prometheus metrics (prom-client), one registry per gateway (no global default registry).
// The hot path only bumps pre-resolved label children; cache hit counts are plain integers
// kept by the caches themselves and read at scrape time.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Usage } from '../upstream/response-observer.js';

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

/**
 * Memoises label children in nested maps (no key string is built per call): prom-client would
 * otherwise hash the label set on every increment.
 */
function children<T>(make: (...labels: string[]) => T): (...labels: string[]) => T {
  const root = new Map<string, unknown>();
  return (...labels) => {
    let level = root;
    for (let i = 0; i < labels.length - 1; i++) {
      let next = level.get(labels[i]!) as Map<string, unknown> | undefined;
      if (!next) level.set(labels[i]!, (next = new Map()));
      level = next;
    }
    const last = labels[labels.length - 1]!;
    let child = level.get(last) as T | undefined;
    if (child === undefined) level.set(last, (child = make(...labels)));
    return child;
  };
}

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
  private readonly tokens = new Counter({
    name: 'bodhi_model_tokens_total',
    help: 'Model tokens reported by upstreams, counted once per response.',
    labelNames: ['api_model', 'model', 'kind'] as const,
    registers: [this.registry],
  });

  private readonly requestChild = children((method, route, apiModel, status) => this.requests.labels(method!, route!, apiModel!, status!));
  private readonly durationChild = children((method, route, apiModel) => this.duration.labels(method!, route!, apiModel!));
  private readonly headersChild = children((method, route, apiModel) => this.upstreamHeaders.labels(method!, route!, apiModel!));
  private readonly streamChild = children((apiModel) => this.streams.labels(apiModel!));
  private readonly errorChild = children((apiModel, kind) => this.upstreamErrors.labels(apiModel!, kind!));
  private readonly tokensChild = children((apiModel, model, kind) => this.tokens.labels(apiModel!, model!, kind!));

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
    this.requestChild(method, route, apiModel, String(status)).inc();
    this.durationChild(method, route, apiModel).observe(seconds);
    if (upstreamHeadersSeconds !== null) this.headersChild(method, route, apiModel).observe(upstreamHeadersSeconds);
  }

  streamStarted(apiModel: string): void {
    this.streamChild(apiModel).inc();
  }

  streamEnded(apiModel: string): void {
    this.streamChild(apiModel).dec();
  }

  upstreamError(apiModel: string, kind: string): void {
    this.errorChild(apiModel, kind).inc();
  }

  usage(apiModel: string, model: string, usage: Usage): void {
    const add = (kind: string, n: number | null) => {
      if (n) this.tokensChild(apiModel, model, kind).inc(n);
    };
    add('input', usage.inputTokens);
    add('output', usage.outputTokens);
    add('reasoning', usage.reasoningTokens);
    add('cached', usage.cachedTokens);
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
