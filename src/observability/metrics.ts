// Prometheus metrics (prom-client), one registry per gateway (no global default registry).
// The per-request metrics are tallies (plain numbers, handed to prom-client at scrape time);
// cache hit counts are plain integers kept by the caches themselves, also read at scrape time.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Usage } from '../domain/usage.js';
import { TallyCounter, TallyHistogram } from './tallies.js';

export interface MetricsText {
  contentType: string;
  body: string;
}

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

/** Memoises bound children of the few metrics not updated per request (streams, errors). */
function children<T>(make: (...labels: string[]) => T): (...labels: string[]) => T {
  const cache = new Map<string, T>();
  return (...labels) => {
    const key = labels.join('\u0000');
    let child = cache.get(key);
    if (child === undefined) cache.set(key, (child = make(...labels)));
    return child;
  };
}

export class GatewayMetrics {
  readonly registry = new Registry();
  // Updated on every request: tallied (see tallies.ts).
  private readonly requests = new TallyCounter({
    name: 'bodhi_requests_total',
    help: 'Requests by method, route, API model and HTTP status.',
    labelNames: ['method', 'route', 'api_model', 'status'],
    registry: this.registry,
  });
  private readonly duration = new TallyHistogram(
    {
      name: 'bodhi_request_duration_seconds',
      help: 'Total request time, from the first byte in to the last byte out.',
      labelNames: ['method', 'route', 'api_model'],
      registry: this.registry,
    },
    LATENCY_BUCKETS,
  );
  private readonly upstreamHeaders = new TallyHistogram(
    {
      name: 'bodhi_upstream_time_to_headers_seconds',
      help: 'Time from the request arriving until the upstream response headers arrived.',
      labelNames: ['method', 'route', 'api_model'],
      registry: this.registry,
    },
    LATENCY_BUCKETS,
  );
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
  private readonly tokens = new TallyCounter({
    name: 'bodhi_model_tokens_total',
    help: 'Model tokens reported by upstreams, counted once per response.',
    labelNames: ['api_model', 'model', 'kind'],
    registry: this.registry,
  });

  // Per call on a router's hot path: tallies, as the request counters.
  private readonly routerFallbacks = new TallyCounter({
    name: 'bodhi_router_fallbacks_total',
    help: 'Calls a router moved past a target, by the target that failed and why (http_429, http_5xx, refused, headers_timeout, ...).',
    labelNames: ['router', 'target', 'reason'],
    registry: this.registry,
  });
  private readonly routerCooldowns = new Counter({
    name: 'bodhi_router_cooldowns_total',
    help: 'Times a router target started cooling down (skipped until its cooldown or retry-after ends).',
    labelNames: ['router', 'target'] as const,
    registers: [this.registry],
  });
  private readonly routerCalls = new TallyCounter({
    name: 'bodhi_router_requests_total',
    help: 'Calls served through a router, by the target that answered last and its HTTP status.',
    labelNames: ['router', 'target', 'status'],
    registry: this.registry,
  });

  private readonly wsSessions = new Gauge({
    name: 'bodhi_websocket_sessions',
    help: 'Responses API WebSocket sessions open.',
    registers: [this.registry],
  });
  private readonly wsFrames = new Counter({
    name: 'bodhi_websocket_frames_total',
    help: 'Responses API WebSocket frames, from clients (in) and to clients (out).',
    labelNames: ['direction'] as const,
    registers: [this.registry],
  });
  private readonly wsFrameChild = children((direction) => this.wsFrames.labels(direction!));

  private readonly streamChild = children((apiModel) => this.streams.labels(apiModel!));
  private readonly errorChild = children((apiModel, kind) => this.upstreamErrors.labels(apiModel!, kind!));
  private readonly malformedChild = children((apiModel) => this.malformedUsageCount.labels(apiModel!));
  private readonly unreadableChild = children((apiModel) => this.unreadableCount.labels(apiModel!));

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
    this.requests.inc([method, route, apiModel, String(status)]);
    this.duration.observe([method, route, apiModel], seconds);
    if (upstreamHeadersSeconds !== null) this.upstreamHeaders.observe([method, route, apiModel], upstreamHeadersSeconds);
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

  /** Router targets' health, read at scrape time. */
  watchRouterHealth(read: () => Iterable<{ router: string; target: string; healthy: boolean }>): void {
    new Gauge({
      name: 'bodhi_router_target_healthy',
      help: 'Whether a router target takes calls (1) or is cooling down (0), as this instance sees it (with workers: 0 when any worker has it cooling down).',
      labelNames: ['router', 'target'] as const,
      aggregator: 'min',
      registers: [this.registry],
      collect() {
        this.reset();
        for (const t of read()) this.labels(t.router, t.target).set(t.healthy ? 1 : 0);
      },
    });
  }

  routerFallback(router: string, target: string, reason: string): void {
    this.routerFallbacks.inc([router, target, reason]);
  }

  routerCooldown(router: string, target: string): void {
    this.routerCooldowns.labels(router, target).inc();
  }

  routerServed(router: string, target: string, status: number): void {
    this.routerCalls.inc([router, target, String(status)]);
  }

  websocketSessions(open: number): void {
    this.wsSessions.set(open);
  }

  websocketFrame(direction: 'in' | 'out'): void {
    this.wsFrameChild(direction).inc();
  }

  unreadableAnswer(apiModel: string): void {
    this.unreadableChild(apiModel).inc();
  }

  malformedUsage(apiModel: string): void {
    this.malformedChild(apiModel).inc();
  }

  usage(apiModel: string, model: string, usage: Usage): void {
    if (usage.inputTokens) this.tokens.inc([apiModel, model, 'input'], usage.inputTokens);
    if (usage.outputTokens) this.tokens.inc([apiModel, model, 'output'], usage.outputTokens);
    if (usage.reasoningTokens) this.tokens.inc([apiModel, model, 'reasoning'], usage.reasoningTokens);
    if (usage.cachedTokens) this.tokens.inc([apiModel, model, 'cached'], usage.cachedTokens);
  }

  private renderer: (() => Promise<MetricsText>) | undefined;

  /**
   * Under `bodhi serve --workers N`: /metrics answers for the whole server, so a worker renders
   * through the cluster primary, which aggregates every worker's registry.
   */
  renderWith(renderer: () => Promise<MetricsText>): void {
    this.renderer = renderer;
  }

  /** This registry alone (what a worker hands the primary is its getMetricsAsJSON()). */
  async renderLocal(): Promise<MetricsText> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async render(): Promise<MetricsText> {
    return this.renderer ? this.renderer() : this.renderLocal();
  }
}
