// Settings come from CLI flags, then BODHI_* environment variables, then defaults.
import { availableParallelism, homedir } from 'node:os';
import { join, resolve } from 'node:path';

export interface Config {
  /** Data dir: SQLite database, encryption key file. */
  home: string;
  host: string;
  port: number;
  /** postgres://... selects the PostgreSQL store; unset means SQLite in `home`. */
  databaseUrl: string | undefined;
  /** Passphrase or 32-byte key (hex/base64) for API keys at rest; unset means a key file in `home`. */
  encryptionKey: string | undefined;
  logLevel: string;
  /** Upstream TCP/TLS connect timeout. There is deliberately no response timeout. */
  connectTimeoutMs: number;
  /** 0 disables; slow reasoning requests may take many minutes before headers arrive. */
  upstreamHeadersTimeoutMs: number;
  bodyLimitBytes: number;
  /** Time a client has to send its whole request (headers + body): cuts slowloris bodies. */
  requestTimeoutMs: number;
  /** Time a client has to send its request headers (slowloris headers); at most requestTimeoutMs. */
  headersTimeoutMs: number;
  /** On SIGTERM, in-flight requests and streams get this long before connections are cut. */
  shutdownTimeoutMs: number;
  /** How often the server checks the store for changes made elsewhere (CLI, other instances). */
  syncIntervalMs: number;
  /** Deadline for the admin "fetch models" / "test connection" calls to an upstream. */
  upstreamCheckTimeoutMs: number;
  /** Request-log rows older than this are pruned. */
  requestLogRetentionDays: number;
  /** If set, /metrics is also served without auth on this port (on `metricsHost`), for a Prometheus scraper. */
  metricsPort: number | undefined;
  metricsHost: string;
  /** OpenTelemetry traces (one span per request, a child per upstream call); off by default. */
  otelEnabled: boolean;
  /** Routing records older than this are ignored and pruned; 0 keeps them forever. */
  routeRetentionDays: number;
  /** PostgreSQL connection pool size per instance. */
  databasePoolSize: number;
  /** Local aliases (llama.cpp): settings of the in-process engine, see src/providers/local/. */
  local: LocalConfig;
  /** The Responses API over WebSocket (`GET /v1/responses` with Upgrade). */
  websocket: WebSocketConfig;
  /** Processes serving the port (node:cluster); 1 = this process alone, no cluster. */
  workers: number;
}

export interface WebSocketConfig {
  /** Off: upgrades are answered 426, and clients such as Codex fall back to HTTP at once. */
  enabled: boolean;
  /** Origins a browser may open sessions from (`*`: any); requests without Origin are always allowed. */
  allowedOrigins: readonly string[];
  /** Open sessions at most, over all tokens and per token; beyond, an error frame (429) and a close. */
  maxSessions: number;
  maxSessionsPerToken: number;
  /** A session with no frame either way for this long is closed (1001). */
  idleTimeoutMs: number;
  /** Largest frame accepted from a client or an upstream. */
  maxFrameBytes: number;
}

export interface LocalConfig {
  /** Module that provides llama.cpp: `node-llama-cpp` (default) or a path; null = local inference off. */
  bindingModule: string | null;
  /** A loaded model is unloaded after this long without requests. */
  idleUnloadMs: number;
  /** Requests waiting per model (one runs at a time); more is a 429. */
  queueSize: number;
  /** CPU threads llama.cpp uses per model. */
  threads: number;
  /** `auto` (best available), `false` (CPU only), or `cuda` / `vulkan` / `metal`. */
  gpu: 'auto' | false | 'cuda' | 'vulkan' | 'metal';
  /** Context size for aliases that do not set one (capped at the model's training context). */
  defaultContextSize: number;
}

export type ConfigFlags = Partial<Pick<Config, 'home' | 'host' | 'port' | 'databaseUrl' | 'logLevel'>> & {
  /** A positive integer, or `auto` (one per core). */
  workers?: string;
};

/** `--workers` / BODHI_WORKERS: a positive integer, or `auto` for one worker per core. */
export function parseWorkers(raw: string | undefined, cores = availableParallelism()): number {
  if (raw === undefined || raw === '') return 1;
  if (raw.trim().toLowerCase() === 'auto') return Math.max(1, cores);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`workers must be a positive integer or 'auto', got '${raw}'`);
  return n;
}

type Env = Record<string, string | undefined>;

function intFrom(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got '${raw}'`);
  return n;
}

const GPU_CHOICES = ['auto', 'false', 'cuda', 'vulkan', 'metal'] as const;

function localConfig(env: Env): LocalConfig {
  const binding = env.BODHI_LOCAL_BINDING || 'node-llama-cpp';
  const gpu = env.BODHI_LOCAL_GPU || 'auto';
  if (!(GPU_CHOICES as readonly string[]).includes(gpu)) throw new Error(`BODHI_LOCAL_GPU must be one of ${GPU_CHOICES.join(', ')}, got '${gpu}'`);
  // Leave a core to the event loop: API-model proxying must not stall behind local inference.
  const threads = intFrom(env, 'BODHI_LOCAL_THREADS', 0) || Math.max(1, availableParallelism() - 1);
  return {
    bindingModule: binding === 'off' ? null : binding,
    idleUnloadMs: intFrom(env, 'BODHI_LOCAL_IDLE_UNLOAD_MS', 5 * 60_000),
    queueSize: intFrom(env, 'BODHI_LOCAL_QUEUE_SIZE', 16),
    threads,
    gpu: gpu === 'false' ? false : (gpu as LocalConfig['gpu']),
    defaultContextSize: intFrom(env, 'BODHI_LOCAL_CONTEXT_SIZE', 4096) || 4096,
  };
}

export function expandHome(p: string): string {
  return p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

export function loadConfig(flags: ConfigFlags = {}, env: Env = process.env): Config {
  const port = flags.port ?? intFrom(env, 'BODHI_PORT', 1135);
  if (port > 65535) throw new Error(`port must be 0-65535, got ${port}`);
  return {
    home: resolve(expandHome(flags.home ?? env.BODHI_HOME ?? '~/.bodhi')),
    host: flags.host ?? env.BODHI_HOST ?? '127.0.0.1',
    port,
    databaseUrl: flags.databaseUrl ?? (env.BODHI_DATABASE_URL || undefined),
    encryptionKey: env.BODHI_ENCRYPTION_KEY || undefined,
    logLevel: flags.logLevel ?? env.BODHI_LOG_LEVEL ?? 'info',
    connectTimeoutMs: intFrom(env, 'BODHI_CONNECT_TIMEOUT_MS', 30_000),
    upstreamHeadersTimeoutMs: intFrom(env, 'BODHI_UPSTREAM_HEADERS_TIMEOUT_MS', 0),
    bodyLimitBytes: intFrom(env, 'BODHI_BODY_LIMIT_BYTES', 32 * 1024 * 1024),
    requestTimeoutMs: intFrom(env, 'BODHI_REQUEST_TIMEOUT_MS', 60_000),
    headersTimeoutMs: intFrom(env, 'BODHI_HEADERS_TIMEOUT_MS', 10_000),
    shutdownTimeoutMs: intFrom(env, 'BODHI_SHUTDOWN_TIMEOUT_MS', 30_000),
    syncIntervalMs: intFrom(env, 'BODHI_SYNC_INTERVAL_MS', 250),
    upstreamCheckTimeoutMs: intFrom(env, 'BODHI_UPSTREAM_CHECK_TIMEOUT_MS', 15_000),
    requestLogRetentionDays: intFrom(env, 'BODHI_REQUEST_LOG_RETENTION_DAYS', 30),
    metricsPort: env.BODHI_METRICS_PORT ? intFrom(env, 'BODHI_METRICS_PORT', 0) : undefined,
    metricsHost: env.BODHI_METRICS_HOST ?? '127.0.0.1',
    otelEnabled: ['1', 'true', 'yes', 'on'].includes((env.BODHI_OTEL_ENABLED ?? '').toLowerCase()),
    routeRetentionDays: intFrom(env, 'BODHI_ROUTE_RETENTION_DAYS', 30),
    databasePoolSize: Math.max(1, intFrom(env, 'BODHI_DATABASE_POOL_SIZE', 10)),
    local: localConfig(env),
    workers: parseWorkers(flags.workers ?? env.BODHI_WORKERS),
    websocket: {
      enabled: !['0', 'false', 'no', 'off'].includes((env.BODHI_WEBSOCKETS ?? '').toLowerCase()),
      allowedOrigins: (env.BODHI_WS_ALLOWED_ORIGINS ?? '')
        .split(',')
        .map((o) => o.trim().replace(/\/+$/, ''))
        .filter(Boolean),
      maxSessions: Math.max(1, intFrom(env, 'BODHI_WS_MAX_SESSIONS', 10_000)),
      maxSessionsPerToken: Math.max(1, intFrom(env, 'BODHI_WS_MAX_SESSIONS_PER_TOKEN', 100)),
      idleTimeoutMs: Math.max(1, intFrom(env, 'BODHI_WS_IDLE_TIMEOUT_MS', 600_000)),
      maxFrameBytes: Math.max(1024, intFrom(env, 'BODHI_WS_MAX_FRAME_BYTES', 64 * 1024 * 1024)),
    },
  };
}
