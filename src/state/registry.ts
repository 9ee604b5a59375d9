// In-memory resolution of the model a client names to the API model (local llama.cpp alias, or
// router) that serves it. Exact API ids (prefix + model id) win; then local aliases; then
// routers; then forward-all prefixes, longest first. Ids never clash across kinds (the services refuse it with a 409).
import type { SecretBox } from '../crypto/secret-box.js';
import { isApiFormat, type ApiFormat } from '../domain/formats.js';
import { providerFor } from '../providers/index.js';
import type { LiveLocalAlias } from '../providers/local/alias.js';
import type { Provider } from '../providers/provider.js';
import type { ApiModelRecord, LocalAliasRecord, RouterRecord, RouterStrategy } from '../store/types.js';

export interface LiveApiModel {
  readonly id: string;
  readonly name: string;
  readonly apiFormat: ApiFormat;
  /** What the format means: credentials, endpoints, how answers are read. */
  readonly provider: Provider;
  readonly baseUrl: string;
  /** `scheme://host:port` of baseUrl: one pooled undici connection set per origin. */
  readonly origin: string;
  /** Path part of baseUrl without the trailing slash, e.g. `/v1`. */
  readonly basePath: string;
  /** Headers that carry the key (and account choice) on every upstream request, flat [name, value, ...]. */
  readonly credentials: readonly string[];
  readonly models: readonly string[];
  readonly prefix: string | null;
  readonly forwardAll: boolean;
  /** Whether the upstream serves the Responses API over WebSocket (see websocketMode). */
  readonly websocket: boolean;
  readonly createdAt: number;
}

export type { LiveLocalAlias } from '../providers/local/alias.js';

export const toLiveLocal = (r: LocalAliasRecord): LiveLocalAlias => ({ ...r });

export interface ResolvedLocal {
  readonly kind: 'local';
  readonly local: LiveLocalAlias;
  /** The model id as the client sent it (the alias name). */
  readonly alias: string;
}

/** One upstream of a router, with its API model loaded. */
export interface LiveRouterTarget {
  readonly apiModel: LiveApiModel;
  /** The model id the upstream gets. */
  readonly model: string;
  readonly weight: number;
  readonly enabled: boolean;
  /** `api model/upstream model`: the target's name in metrics, logs and health. */
  readonly label: string;
}

export interface LiveRouter {
  readonly id: string;
  readonly name: string;
  /** Its targets' format (they all share one); null when none of its API models is loaded. */
  readonly apiFormat: ApiFormat | null;
  readonly strategy: RouterStrategy;
  /** In fallback order; targets whose API model is not loaded are left out. */
  readonly targets: readonly LiveRouterTarget[];
  readonly retryOnStatus: ReadonlySet<number>;
  readonly maxAttempts: number;
  readonly failureThreshold: number;
  readonly failureWindowMs: number;
  readonly cooldownMs: number;
  readonly maxRetryAfterMs: number;
  readonly createdAt: number;
}

export interface ResolvedRouter {
  readonly kind: 'router';
  readonly router: LiveRouter;
  /** The model id as the client sent it (the router's name). */
  readonly alias: string;
}

export type Resolved = ResolvedApi | ResolvedLocal | ResolvedRouter;

/** Loads a router over the live API models (by id). */
export function toLiveRouter(record: RouterRecord, apiModels: ReadonlyMap<string, LiveApiModel>): LiveRouter {
  const targets: LiveRouterTarget[] = [];
  for (const t of record.targets) {
    const apiModel = apiModels.get(t.apiModelId);
    if (apiModel) targets.push({ apiModel, model: t.model, weight: t.weight, enabled: t.enabled, label: `${apiModel.name}/${t.model}` });
  }
  return {
    id: record.id,
    name: record.name,
    apiFormat: targets[0]?.apiModel.apiFormat ?? null,
    strategy: record.strategy,
    targets,
    retryOnStatus: new Set(record.retryOnStatus),
    maxAttempts: record.maxAttempts ?? record.targets.length,
    failureThreshold: record.failureThreshold,
    failureWindowMs: record.failureWindowMs,
    cooldownMs: record.cooldownMs,
    maxRetryAfterMs: record.maxRetryAfterMs,
    createdAt: record.createdAt,
  };
}

export interface ResolvedApi {
  readonly kind: 'api';
  readonly apiModel: LiveApiModel;
  /** The model id as the client sent it. */
  readonly alias: string;
  /** The model id the upstream gets (prefix removed). */
  readonly upstreamModel: string;
}

/** An API-served model a client can list in /v1/models (local aliases: `localAliases()`). */
export interface Listed {
  readonly id: string;
  /** The API model that serves it (a router's: its first target's, for the format). */
  readonly apiModel: LiveApiModel;
  /** Set when the id is a router's name. */
  readonly router?: LiveRouter;
}

/** A stored API model in a format this version does not know (written by a newer one). */
export class UnknownFormatError extends Error {
  constructor(format: string) {
    super(`its api_format '${format}' is unknown to this version of the gateway`);
    this.name = 'UnknownFormatError';
  }
}

export function toLive(record: ApiModelRecord, box: SecretBox): LiveApiModel {
  const url = new URL(record.baseUrl);
  if (!isApiFormat(record.apiFormat)) throw new UnknownFormatError(record.apiFormat);
  const provider = providerFor(record.apiFormat);
  const apiKey = record.apiKeyEnc ? box.decrypt(record.apiKeyEnc) : null;
  return {
    id: record.id,
    name: record.name,
    apiFormat: record.apiFormat,
    provider,
    baseUrl: record.baseUrl,
    origin: url.origin,
    basePath: url.pathname.replace(/\/+$/, ''),
    credentials: provider.upstreamHeaders(apiKey, record),
    models: record.models,
    prefix: record.prefix,
    forwardAll: record.forwardAll,
    websocket: websocketMode(record),
    createdAt: record.createdAt,
  };
}

/** The formats whose upstream may serve the Responses API over WebSocket. */
export const WEBSOCKET_FORMATS: readonly ApiFormat[] = ['openai_responses'];

/** The host whose Responses API has WebSocket mode when an API model leaves it automatic. */
export const WEBSOCKET_AUTO_HOST = 'api.openai.com';

/**
 * Whether the gateway uses an API model's upstream in WebSocket mode: never for a format other
 * than openai_responses; otherwise the stored choice, or when it is null (automatic), on iff the
 * base URL's host is api.openai.com.
 */
export function websocketMode(record: Pick<ApiModelRecord, 'apiFormat' | 'baseUrl' | 'websocket'>): boolean {
  if (!WEBSOCKET_FORMATS.includes(record.apiFormat)) return false;
  if (record.websocket !== null) return record.websocket;
  try {
    return new URL(record.baseUrl).hostname.toLowerCase() === WEBSOCKET_AUTO_HOST;
  } catch {
    return false;
  }
}

/** Client-visible ids an API model claims explicitly. */
export const claimedIds = (m: Pick<ApiModelRecord, 'models' | 'prefix'>): string[] => m.models.map((id) => (m.prefix ?? '') + id);

/** Whether a forward-all prefix answers for `id`: it must start with the prefix and name something after it. */
export const prefixServes = (prefix: string | null, id: string): boolean => !!prefix && id.length > prefix.length && id.startsWith(prefix);

export class ModelRegistry {
  private exact = new Map<string, ResolvedApi>();
  private forwardAll: LiveApiModel[] = [];
  private byId = new Map<string, LiveApiModel>();
  private listed: Listed[] = [];
  private locals = new Map<string, ResolvedLocal>();
  private localList: LiveLocalAlias[] = [];
  private routerMap = new Map<string, ResolvedRouter>();
  private routerList: LiveRouter[] = [];
  /** Model lookups that resolved vs. ones that did not; for /metrics. */
  readonly stats = { hits: 0, misses: 0 };

  replace(models: readonly LiveApiModel[], locals: readonly LiveLocalAlias[] = [], routers: readonly RouterRecord[] = []): void {
    const exact = new Map<string, ResolvedApi>();
    const listed: Listed[] = [];
    for (const apiModel of models) {
      for (const upstreamModel of apiModel.models) {
        const alias = (apiModel.prefix ?? '') + upstreamModel;
        if (!exact.has(alias)) exact.set(alias, { kind: 'api', apiModel, alias, upstreamModel });
        listed.push({ id: alias, apiModel });
      }
    }
    this.exact = exact;
    this.forwardAll = models.filter((m) => m.forwardAll && m.prefix).sort((a, b) => b.prefix!.length - a.prefix!.length);
    this.byId = new Map(models.map((m) => [m.id, m]));
    this.listed = listed;
    this.locals = new Map(locals.map((local) => [local.name, { kind: 'local', local, alias: local.name }]));
    this.localList = [...locals];
    this.routerList = routers.map((r) => toLiveRouter(r, this.byId));
    this.routerMap = new Map(this.routerList.map((router) => [router.name, { kind: 'router', router, alias: router.name }]));
    for (const router of this.routerList) {
      if (router.targets[0]) listed.push({ id: router.name, apiModel: router.targets[0].apiModel, router });
    }
  }

  resolve(model: string): Resolved | undefined {
    const hit = this.exact.get(model) ?? this.locals.get(model) ?? this.routerMap.get(model) ?? this.byPrefix(model);
    if (hit) this.stats.hits++;
    else this.stats.misses++;
    return hit;
  }

  /** Whether some API model or alias serves this id (not counted in the lookup stats). */
  serves(model: string): boolean {
    return this.exact.has(model) || this.locals.has(model) || this.routerMap.has(model) || this.byPrefix(model) !== undefined;
  }

  private byPrefix(model: string): Resolved | undefined {
    for (const apiModel of this.forwardAll) {
      const prefix = apiModel.prefix!;
      if (prefixServes(prefix, model)) {
        return { kind: 'api', apiModel, alias: model, upstreamModel: model.slice(prefix.length) };
      }
    }
    return undefined;
  }

  apiModel(id: string): LiveApiModel | undefined {
    return this.byId.get(id);
  }

  apiModels(): LiveApiModel[] {
    return [...this.byId.values()];
  }

  list(): readonly Listed[] {
    return this.listed;
  }

  localAliases(): readonly LiveLocalAlias[] {
    return this.localList;
  }

  routers(): readonly LiveRouter[] {
    return this.routerList;
  }
}
