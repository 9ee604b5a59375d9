// Composition root: builds every long-lived part of a running gateway from its config and
// hands them out explicitly. Nothing below reaches for a global.
import type { Logger } from 'pino';
import { Agent, type Dispatcher } from 'undici';
import { LastUsedRecorder } from '../auth/last-used.js';
import { RateLimiter } from '../auth/rate-limit.js';
import { TokenCache } from '../state/token-cache.js';
import { TokenService } from '../auth/token-service.js';
import type { Config } from '../config.js';
import { createSecretBox, keyForConfig, type SecretBox } from '../crypto/secret-box.js';
import { LocalEngine } from '../providers/local/engine.js';
import { LlamaBinding } from '../providers/local/llama-binding.js';
import { ApiModelService } from '../models/api-model-service.js';
import { LocalAliasService } from '../models/local-alias-service.js';
import { RouterService } from '../models/router-service.js';
import { RouterHealth } from '../state/router-health.js';
import { ResponsesSessions } from '../pipeline/websocket/sessions.js';
import type { WebSocketConfig } from '../config.js';
import { ModelRegistry, UnknownFormatError } from '../state/registry.js';
import { GatewayMetrics } from '../observability/metrics.js';
import { ProxyPipeline } from '../pipeline/proxy.js';
import { RequestRecorder } from '../pipeline/record.js';
import { startTracing, type Tracing } from '../observability/tracing.js';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { RequestLogWriter } from '../usage/request-log.js';
import { ResponseRoutes } from '../state/response-routes.js';
import { RoutePruner } from '../state/route-pruner.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import { VERSION } from '../version.js';
import { ConfigSync } from '../state/config-sync.js';
import { createAccessLogger } from './logger.js';

export interface Gateway {
  readonly config: Config;
  readonly version: string;
  readonly store: Store;
  readonly box: SecretBox;
  readonly registry: ModelRegistry;
  readonly tokens: TokenCache;
  readonly lastUsed: LastUsedRecorder;
  /** Per-token requests-per-minute counters of this process. */
  readonly rateLimits: RateLimiter;
  readonly responseRoutes: ResponseRoutes;
  readonly routePruner: RoutePruner;
  readonly dispatcher: Dispatcher;
  readonly apiModels: ApiModelService;
  readonly localAliases: LocalAliasService;
  readonly routers: RouterService;
  /** Which router targets take calls, as this instance sees them. */
  readonly routerHealth: RouterHealth;
  /** Open Responses WebSocket sessions (drained at shutdown). */
  readonly websocketSessions: ResponsesSessions;
  readonly websocketConfig: WebSocketConfig;
  /** Runs local aliases; loads llama.cpp only when one is first used. */
  readonly local: LocalEngine;
  readonly tokenService: TokenService;
  readonly sync: ConfigSync;
  readonly metrics: GatewayMetrics;
  readonly requestLog: RequestLogWriter;
  readonly recorder: RequestRecorder;
  /** Serves every upstream-routed call: attempt, observe, record. */
  readonly pipeline: ProxyPipeline;
  /** Set when BODHI_OTEL_ENABLED is on. */
  readonly tracing: Tracing | undefined;
  close(): Promise<void>;
}

export function createUpstreamAgent(config: Pick<Config, 'connectTimeoutMs' | 'upstreamHeadersTimeoutMs'>): Agent {
  return new Agent({
    connect: { timeout: config.connectTimeoutMs },
    // No response timeouts: reasoning requests and long streams may legitimately take many
    // minutes. A client that gives up disconnects, and that aborts the upstream request.
    headersTimeout: config.upstreamHeadersTimeoutMs,
    bodyTimeout: 0,
    keepAliveTimeout: 10_000,
  });
}

export interface GatewayOptions {
  /** Span processors for OpenTelemetry (tests use an in-memory exporter); default: OTLP from OTEL_* env. */
  spanProcessors?: SpanProcessor[];
}

export async function createGateway(config: Config, log: Logger, options: GatewayOptions = {}): Promise<Gateway> {
  const box = createSecretBox(keyForConfig(config));
  const store = await openStore(config, log, {
    backgroundCheckpoints: {
      onCheckpoint: ({ log: walFrames, checkpointed, ms }) => log.debug({ walFrames, checkpointed, ms: Math.round(ms * 100) / 100 }, 'WAL checkpoint'),
      onError: (err) => log.warn({ err }, 'background WAL checkpoints stopped; SQLite checkpoints in line again'),
    },
  });
  const registry = new ModelRegistry();
  const tokens = new TokenCache();
  const lastUsed = new LastUsedRecorder(store, (err) => log.warn({ err }, 'could not record token use'));
  const retentionMs = config.routeRetentionDays * 86_400_000;
  const responseRoutes = new ResponseRoutes(store, {
    // Only a shared store can receive a record another instance is still writing.
    missRetryMs: store.kind === 'postgres' ? 250 : 0,
    // Other instances look records up in the shared store, so they are written soon; alone on
    // SQLite, records are routed from memory until written, so fewer, larger batches do.
    minFlushIntervalMs: store.kind === 'postgres' ? 25 : 200,
    maxAgeMs: retentionMs,
    onError: (err) => log.error({ err }, 'could not store response routing records; will retry'),
  });
  const routePruner = new RoutePruner(store, {
    retentionMs,
    onPruned: (count) => log.info({ count, retentionDays: config.routeRetentionDays }, 'pruned expired response routing records'),
    onError: (err) => log.warn({ err }, 'could not prune response routing records'),
  });
  const sync = new ConfigSync({
    store,
    box,
    tokens,
    registry,
    intervalMs: config.syncIntervalMs,
    onError: (err) => log.warn({ err }, 'config sync failed; serving from cache until the database is back'),
    onRecovered: () => log.info('config sync recovered'),
    onBadApiModel: (model, err) =>
      log.error(
        { err, apiModel: model.name },
        err instanceof UnknownFormatError
          ? `API model left out: ${err.message}`
          : "API model left out: its key cannot be decrypted with this instance's BODHI_ENCRYPTION_KEY (every instance and the CLI must share the same key)",
      ),
  });
  try {
    await sync.start();
  } catch (err) {
    await lastUsed.stop();
    await store.close().catch(() => undefined);
    throw err;
  }
  routePruner.start();
  const dispatcher = createUpstreamAgent(config);
  const localLog = log.child({ component: 'local' });
  const local = new LocalEngine(new LlamaBinding(config.local, localLog), config.local, localLog);
  const metrics = new GatewayMetrics({ token: () => tokens.stats, model: () => registry.stats, responseRoute: () => responseRoutes.stats });
  const requestLog = new RequestLogWriter(store, {
    retentionDays: config.requestLogRetentionDays,
    onError: (err, what) => log.warn({ err }, `could not ${what}`),
  });
  const routerHealth = new RouterHealth({ cooldownStarted: (router, target) => metrics.routerCooldown(router, target) });
  metrics.watchRouterHealth(function* () {
    for (const router of registry.routers()) {
      for (const t of routerHealth.view(router)) yield { router: router.name, target: t.target, healthy: t.healthy };
    }
  });
  const tracing = config.otelEnabled ? startTracing(options.spanProcessors) : undefined;
  const recorder = new RequestRecorder(metrics, requestLog, createAccessLogger(log), tracing, (err) => log.warn({ err }, 'could not claim response usage'));

  const pipeline = new ProxyPipeline({ dispatcher, metrics, health: routerHealth, tracing, recorder, responseRoutes });
  const rateLimits = new RateLimiter();
  const websocketSessions = new ResponsesSessions(
    { registry, responseRoutes, pipeline, recorder, metrics, health: routerHealth, rateLimits, tokens, config: config.websocket, bodyLimitBytes: config.bodyLimitBytes, noWebSocket: new Set() },
    (open) => metrics.websocketSessions(open),
  );

  return {
    config,
    version: VERSION,
    store,
    box,
    registry,
    tokens,
    lastUsed,
    rateLimits,
    responseRoutes,
    routePruner,
    dispatcher,
    apiModels: new ApiModelService(store, box),
    localAliases: new LocalAliasService(store),
    routers: new RouterService(store),
    routerHealth,
    local,
    tokenService: new TokenService(store, (id) => lastUsed.pendingFor(id)),
    sync,
    metrics,
    requestLog,
    recorder,
    pipeline,
    websocketSessions,
    websocketConfig: config.websocket,
    tracing,
    async close() {
      sync.stop();
      // Usage claims in flight write routing marks and queue request-log rows: let them land,
      // then write what is pending.
      await recorder.drain();
      await Promise.allSettled([lastUsed.stop(), responseRoutes.flush(), routePruner.stop()]);
      await requestLog.stop();
      await dispatcher.close().catch(() => undefined);
      await tracing?.shutdown().catch((err) => log.warn({ err }, 'could not flush traces'));
      await local.close().catch((err: unknown) => log.warn({ err }, 'error while unloading local models'));
      await store.close();
    },
  };
}
