// The one storage interface the rest of the gateway sees. SQLite (embedded default) and
// PostgreSQL (scale-out) both implement it over the same Kysely schema and migrations.

import type { ApiFormat } from '../domain/formats.js';
import type { Outcome } from '../domain/outcome.js';

export type { ApiFormat };
export type Scope = 'user' | 'power_user' | 'admin';
export type TokenStatus = 'active' | 'revoked';

export interface ApiModelRecord {
  id: string;
  name: string;
  apiFormat: ApiFormat;
  baseUrl: string;
  /** AES-256-GCM ciphertext (see crypto/secret-box.ts); never the plain key. */
  apiKeyEnc: string | null;
  models: string[];
  prefix: string | null;
  forwardAll: boolean;
  /** Sent upstream as OpenAI-Organization / OpenAI-Project (clients' own are dropped); null: not sent. */
  openaiOrganization: string | null;
  openaiProject: string | null;
  /**
   * Whether the upstream serves the Responses API over WebSocket (openai_responses only);
   * null: automatic (on for api.openai.com, see websocketMode in state/registry.ts).
   */
  websocket: boolean | null;
  createdAt: number;
  updatedAt: number;
}

export interface TokenRecord {
  id: string;
  name: string;
  /** A few characters of the token, to find candidates without a full scan. */
  tokenPrefix: string;
  /** SHA-256 of the whole token, hex. */
  tokenHash: string;
  scope: Scope;
  status: TokenStatus;
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  /** Client-visible model ids this token may call; null means all. */
  allowedModels: string[] | null;
  rateLimitRpm: number | null;
}

/** A local model served by llama.cpp under a client-visible model id (`name`). */
export interface LocalAliasRecord {
  id: string;
  /** The model id clients send; shares the namespace with API model ids. */
  name: string;
  /** Absolute path of the GGUF file. */
  modelFile: string;
  /** null: the gateway default (BODHI_LOCAL_CONTEXT_SIZE, capped at the model's training context). */
  contextSize: number | null;
  /** Defaults for requests (OpenAI parameter names, e.g. temperature, max_tokens); the request wins. */
  requestParams: Record<string, unknown>;
  createdAt: number;
  updatedAt: number;
}

export type RouterStrategy = 'fallback' | 'weighted';

/** One upstream a router may send a call to: an API model and the model id it gets. */
export interface RouterTargetRecord {
  apiModelId: string;
  /** The upstream model id sent in place of the router's name (need not be listed by the API model). */
  model: string;
  weight: number;
  enabled: boolean;
}

/** A client-facing model name over several API models, with fallback and load balancing. */
export interface RouterRecord {
  id: string;
  /** The model id clients send; shares the namespace with API model ids and local aliases. */
  name: string;
  strategy: RouterStrategy;
  /** In fallback order. */
  targets: RouterTargetRecord[];
  /** Upstream statuses that move a call to the next target (before anything reached the client). */
  retryOnStatus: number[];
  /** null: the number of targets. */
  maxAttempts: number | null;
  failureThreshold: number;
  failureWindowMs: number;
  cooldownMs: number;
  maxRetryAfterMs: number;
  createdAt: number;
  updatedAt: number;
}

/** One try of a routed call, for the request log. */
export interface AttemptRecord {
  api_model: string;
  model: string;
  /** The upstream's status, or null when it never answered. */
  status: number | null;
  /** Why the call moved on (e.g. `http_429`, `connect_refused`, `timeout`); null for the attempt that answered. */
  reason: string | null;
  duration_ms: number;
}

/** Which API model (and which token) a response created through the gateway belongs to. */
export interface ResponseRoute {
  responseId: string;
  apiModelId: string;
  /** The model id the client used at creation (for allow-list checks). */
  model: string;
  /** The model id the upstream got (a router's target is its API model and this); null when not known. */
  upstreamModel: string | null;
  tokenId: string | null;
  createdAt: number;
  /** When this response's usage was counted (see RequestLogEntry.usageCounted); null until then. */
  usageCountedAt: number | null;
}

/** One row per /v1 call: who, what, how it went, and the token usage seen in the response. */
export interface RequestLogEntry {
  /** The gateway's request id. */
  id: string;
  createdAt: number;
  tokenId: string | null;
  tokenName: string | null;
  method: string;
  /** Route pattern, e.g. `/v1/responses/:id`. */
  route: string;
  /** The model id the client named (or the routing record's, for id-only calls). */
  model: string | null;
  apiModelId: string | null;
  apiModelName: string | null;
  /** The router the client named, when one served the call. */
  router: string | null;
  /** The model id the upstream got. */
  upstreamModel: string | null;
  /** Every try of a routed call in order (null for a call that needed no choice). */
  attempts: AttemptRecord[] | null;
  status: number;
  durationMs: number;
  /** Time until the upstream's response headers arrived. */
  ttfbMs: number | null;
  responseId: string | null;
  stream: boolean;
  outcome: Outcome;
  inputTokens: number | null;
  outputTokens: number | null;
  reasoningTokens: number | null;
  cachedTokens: number | null;
  /**
   * True when this call's usage counts toward totals. A response's usage is seen on its create
   * call, or (background mode) on the first poll that finds it finished; later polls repeat the
   * same numbers and must not count twice.
   */
  usageCounted: boolean;
  /**
   * The gateway's own error for a call it rejected or could not serve (catalogue code and
   * message, secrets redacted); absent otherwise. Never a request or response body.
   */
  error?: RequestError | undefined;
}

/** The error the gateway answered a logged call with. */
export interface RequestError {
  code: string | null;
  message: string;
}

/** Filters for browsing the request log, newest first (see Store.queryRequestLogs). */
export interface RequestLogQuery {
  /** created_at >= since (epoch ms). */
  since?: number | undefined;
  /** created_at < until (epoch ms). */
  until?: number | undefined;
  /** Token name or id. */
  token?: string | undefined;
  /** The model id the client named. */
  model?: string | undefined;
  /** API model name or router name (either column). */
  apiModel?: string | undefined;
  /** Route pattern, exactly. */
  route?: string | undefined;
  /** An exact status, or a class given as its lower bound and width (e.g. 400..499). */
  status?: { min: number; max: number } | undefined;
  limit: number;
  /** Rows strictly after this (created_at, id) position in newest-first order. */
  after?: { createdAt: number; id: string } | undefined;
}

export type UsageGroupBy = 'token' | 'model' | 'api-model' | 'router' | 'target';

export interface UsageTotals {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  reasoningTokens: number;
  cachedTokens: number;
}

export interface UsageGroup extends UsageTotals {
  /** Token name, model id, API model name, router name or target (`api model/upstream model`); null for calls without one (e.g. rejected ones). */
  key: string | null;
}

export interface UsageBucket extends UsageGroup {
  /** Start of the bucket, epoch ms. */
  bucketStart: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Human-readable location (file path or redacted URL) for /info. */
  readonly location: string;
  migrate(): Promise<void>;

  listApiModels(): Promise<ApiModelRecord[]>;
  insertApiModel(model: ApiModelRecord): Promise<void>;
  updateApiModel(model: ApiModelRecord): Promise<void>;
  deleteApiModel(id: string): Promise<boolean>;

  listLocalAliases(): Promise<LocalAliasRecord[]>;
  insertLocalAlias(alias: LocalAliasRecord): Promise<void>;
  updateLocalAlias(alias: LocalAliasRecord): Promise<void>;
  deleteLocalAlias(id: string): Promise<boolean>;

  listRouters(): Promise<RouterRecord[]>;
  insertRouter(router: RouterRecord): Promise<void>;
  updateRouter(router: RouterRecord): Promise<void>;
  deleteRouter(id: string): Promise<boolean>;

  listTokens(): Promise<TokenRecord[]>;
  insertToken(token: TokenRecord): Promise<void>;
  updateToken(token: TokenRecord): Promise<void>;
  /** Batched last_used_at writes; does not count as a config change. */
  recordTokenUse(uses: ReadonlyMap<string, number>): Promise<void>;

  insertResponseRoutes(routes: readonly ResponseRoute[]): Promise<void>;
  getResponseRoute(responseId: string): Promise<ResponseRoute | undefined>;
  deleteResponseRoute(responseId: string): Promise<void>;
  /**
   * Deletes records created before `createdBefore`, at most `limit` of them per call (so a
   * large backlog is pruned in short statements that never hold the database for long).
   */
  pruneResponseRoutes(createdBefore: number, limit?: number): Promise<number>;
  /** Marks a response's usage as counted; true only for the first caller (across instances). */
  claimResponseUsage(responseId: string, at: number): Promise<boolean>;
  /** Marks usage as counted for responses this instance already decided about (batched). */
  markResponseUsage(responseIds: readonly string[], at: number): Promise<void>;

  insertRequestLogs(entries: readonly RequestLogEntry[]): Promise<void>;
  listRequestLogs(query: { since?: number; limit: number }): Promise<RequestLogEntry[]>;
  /** Rows matching every filter given, newest first (created_at desc, then id desc). */
  queryRequestLogs(query: RequestLogQuery): Promise<RequestLogEntry[]>;
  usageByGroup(query: { since: number; by: UsageGroupBy }): Promise<UsageGroup[]>;
  usageSeries(query: { since: number; by: UsageGroupBy; bucketMs: number }): Promise<UsageBucket[]>;
  pruneRequestLogs(createdBefore: number): Promise<number>;

  /** Changes whenever API models, local aliases, routers or tokens change, from any process sharing the database. */
  configVersion(): Promise<string>;
  /**
   * Shared databases only (PostgreSQL): calls `listener` soon after a config change commits in
   * any process, and whenever changes may have been missed (the notification connection was
   * re-established). The version poll stays the safety net. Returns an unsubscribe function.
   */
  subscribeConfigChanges?(listener: () => void): () => void;
  close(): Promise<void>;
}
