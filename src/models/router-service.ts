// The rules for creating and changing routers, shared by the CLI and the management API:
// validation (the offending field named), conflicts (409) with the model ids API models,
// local aliases and other routers answer for, and targets that all share one API format.
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, notFound } from '../errors/catalogue.js';
import type { ApiModelRecord, RouterRecord, RouterStrategy, RouterTargetRecord, Store } from '../store/types.js';
import { apiModelServing } from './local-alias-service.js';
import { MAX_MODEL_ID_LENGTH, idLength, isPrintable, sameId, visible } from './model-ids.js';

export const ROUTER_STRATEGIES: readonly RouterStrategy[] = ['fallback', 'weighted'];

/** The settings a router gets when they are not given. */
export const ROUTER_DEFAULTS = {
  strategy: 'fallback' as RouterStrategy,
  retryOnStatus: [429, 500, 502, 503, 504, 529],
  failureThreshold: 3,
  failureWindowMs: 30_000,
  cooldownMs: 30_000,
  maxRetryAfterMs: 300_000,
};

const MAX_TARGETS = 32;
const MAX_WEIGHT = 1000;
const DAY_MS = 86_400_000;

export interface RouterTargetInput {
  /** The API model's name (or id). */
  api_model?: unknown;
  model?: unknown;
  weight?: unknown;
  enabled?: unknown;
}

/** On update, an omitted field keeps its current value. */
export interface RouterInput {
  name?: unknown;
  strategy?: unknown;
  targets?: unknown;
  retry_on_status?: unknown;
  max_attempts?: unknown;
  failure_threshold?: unknown;
  failure_window_ms?: unknown;
  cooldown_ms?: unknown;
  max_retry_after_ms?: unknown;
}

export interface RouterTargetView {
  api_model: string;
  api_model_id: string;
  model: string;
  weight: number;
  enabled: boolean;
}

export interface RouterView {
  id: string;
  name: string;
  /** Its targets' format; null when none of its API models exists any more. */
  api_format: string | null;
  strategy: RouterStrategy;
  targets: RouterTargetView[];
  retry_on_status: number[];
  /** null: one try per target. */
  max_attempts: number | null;
  failure_threshold: number;
  failure_window_ms: number;
  cooldown_ms: number;
  max_retry_after_ms: number;
  created_at: string;
  updated_at: string;
}

export function toRouterView(r: RouterRecord, apiModels: readonly ApiModelRecord[]): RouterView {
  const byId = new Map(apiModels.map((m) => [m.id, m]));
  return {
    id: r.id,
    name: r.name,
    api_format: r.targets.map((t) => byId.get(t.apiModelId)?.apiFormat).find((f) => f !== undefined) ?? null,
    strategy: r.strategy,
    targets: r.targets.map((t) => ({ api_model: byId.get(t.apiModelId)?.name ?? t.apiModelId, api_model_id: t.apiModelId, model: t.model, weight: t.weight, enabled: t.enabled })),
    retry_on_status: r.retryOnStatus,
    max_attempts: r.maxAttempts,
    failure_threshold: r.failureThreshold,
    failure_window_ms: r.failureWindowMs,
    cooldown_ms: r.cooldownMs,
    max_retry_after_ms: r.maxRetryAfterMs,
    created_at: new Date(r.createdAt).toISOString(),
    updated_at: new Date(r.updatedAt).toISOString(),
  };
}

function validName(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') throw badRequest('name is required: the model id clients send, e.g. "team-default".', 'name');
  if (!isPrintable(raw) || idLength(raw) > MAX_MODEL_ID_LENGTH) {
    throw badRequest(`name '${visible(raw)}' must be 1-${MAX_MODEL_ID_LENGTH} printable characters, without spaces, control or bidi characters.`, 'name');
  }
  return raw;
}

function integer(raw: unknown, field: string, min: number, max: number, current: number): number {
  if (raw === undefined) return current;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < min || raw > max) {
    throw badRequest(`${field} must be an integer from ${min} to ${max}.`, field);
  }
  return raw;
}

function validStatuses(raw: unknown, current: number[]): number[] {
  if (raw === undefined) return current;
  if (!Array.isArray(raw) || raw.some((s) => typeof s !== 'number' || !Number.isInteger(s) || s < 400 || s > 599)) {
    throw badRequest('retry_on_status must be an array of HTTP statuses from 400 to 599, e.g. [429, 500, 502, 503, 504, 529].', 'retry_on_status');
  }
  return [...new Set(raw as number[])].sort((a, b) => a - b);
}

function validTargets(raw: unknown, apiModels: readonly ApiModelRecord[]): RouterTargetRecord[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw badRequest('targets must be a non-empty array of {api_model, model, weight?, enabled?}.', 'targets');
  }
  if (raw.length > MAX_TARGETS) throw badRequest(`A router has at most ${MAX_TARGETS} targets.`, 'targets');
  const out: RouterTargetRecord[] = [];
  raw.forEach((t: unknown, i) => {
    const where = `targets[${i}]`;
    if (t === null || typeof t !== 'object' || Array.isArray(t)) throw badRequest(`${where} must be an object with api_model and model.`, 'targets');
    const input = t as RouterTargetInput;
    if (typeof input.api_model !== 'string' || input.api_model === '') throw badRequest(`${where}.api_model is required: the name of an API model.`, 'targets');
    const apiModel = apiModels.find((m) => m.name === input.api_model) ?? apiModels.find((m) => m.id === input.api_model);
    if (!apiModel) throw badRequest(`${where}.api_model: API model '${input.api_model}' not found.`, 'targets');
    const model = input.model;
    if (typeof model !== 'string' || !isPrintable(model) || idLength(model) > MAX_MODEL_ID_LENGTH) {
      throw badRequest(`${where}.model must be the upstream model id: 1-${MAX_MODEL_ID_LENGTH} printable characters.`, 'targets');
    }
    const weight = integer(input.weight, `${where}.weight`, 0, MAX_WEIGHT, 1);
    if (input.enabled !== undefined && typeof input.enabled !== 'boolean') throw badRequest(`${where}.enabled must be a boolean.`, 'targets');
    if (out.some((o) => o.apiModelId === apiModel.id && o.model === model)) {
      throw badRequest(`${where} repeats API model '${apiModel.name}' with model '${model}'.`, 'targets');
    }
    out.push({ apiModelId: apiModel.id, model, weight, enabled: input.enabled ?? true });
  });
  const formats = new Set(out.map((t) => apiModels.find((m) => m.id === t.apiModelId)!.apiFormat));
  if (formats.size > 1) {
    throw badRequest(`A router's targets must share one api_format; these use ${[...formats].map((f) => `'${f}'`).join(' and ')}.`, 'targets');
  }
  return out;
}

export class RouterService {
  constructor(private readonly store: Store) {}

  async list(): Promise<RouterView[]> {
    const [routers, apiModels] = await Promise.all([this.store.listRouters(), this.store.listApiModels()]);
    return routers.map((r) => toRouterView(r, apiModels));
  }

  async view(r: RouterRecord): Promise<RouterView> {
    return toRouterView(r, await this.store.listApiModels());
  }

  /** Finds by id, then by name. */
  async find(idOrName: string): Promise<RouterRecord> {
    const all = await this.store.listRouters();
    const found = all.find((r) => r.id === idOrName) ?? all.find((r) => r.name === idOrName);
    if (!found) throw notFound(`Router '${idOrName}' not found.`, 'id', 'router_not_found');
    return found;
  }

  async create(input: RouterInput): Promise<RouterView> {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw badRequest('Expected a JSON object.');
    const now = Date.now();
    const base: RouterRecord = {
      id: randomUUID(),
      name: '',
      strategy: ROUTER_DEFAULTS.strategy,
      targets: [],
      retryOnStatus: ROUTER_DEFAULTS.retryOnStatus,
      maxAttempts: null,
      failureThreshold: ROUTER_DEFAULTS.failureThreshold,
      failureWindowMs: ROUTER_DEFAULTS.failureWindowMs,
      cooldownMs: ROUTER_DEFAULTS.cooldownMs,
      maxRetryAfterMs: ROUTER_DEFAULTS.maxRetryAfterMs,
      createdAt: now,
      updatedAt: now,
    };
    const apiModels = await this.store.listApiModels();
    const record = this.build({ ...input, name: input.name ?? '', targets: input.targets ?? [] }, base, apiModels);
    await this.checkConflicts(record, apiModels);
    await this.store.insertRouter(record);
    return toRouterView(record, apiModels);
  }

  /** Changes the fields given; the others keep their values. */
  async update(idOrName: string, input: RouterInput): Promise<RouterView> {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) throw badRequest('Expected a JSON object.');
    const current = await this.find(idOrName);
    const apiModels = await this.store.listApiModels();
    const record = this.build(input, { ...current, updatedAt: Date.now() }, apiModels);
    await this.checkConflicts(record, apiModels);
    await this.store.updateRouter(record);
    return toRouterView(record, apiModels);
  }

  async remove(idOrName: string): Promise<RouterView> {
    const current = await this.find(idOrName);
    await this.store.deleteRouter(current.id);
    return this.view(current);
  }

  private build(input: RouterInput, base: RouterRecord, apiModels: readonly ApiModelRecord[]): RouterRecord {
    const name = input.name === undefined ? base.name : validName(input.name);
    let strategy = base.strategy;
    if (input.strategy !== undefined) {
      if (!ROUTER_STRATEGIES.includes(input.strategy as RouterStrategy)) throw badRequest(`strategy must be one of: ${ROUTER_STRATEGIES.join(', ')}.`, 'strategy');
      strategy = input.strategy as RouterStrategy;
    }
    const targets = input.targets === undefined ? base.targets : validTargets(input.targets, apiModels);
    let maxAttempts = base.maxAttempts;
    if (input.max_attempts === null) maxAttempts = null;
    else if (input.max_attempts !== undefined) maxAttempts = integer(input.max_attempts, 'max_attempts', 1, MAX_TARGETS, 1);
    return {
      ...base,
      name,
      strategy,
      targets,
      retryOnStatus: validStatuses(input.retry_on_status, base.retryOnStatus),
      maxAttempts,
      failureThreshold: integer(input.failure_threshold, 'failure_threshold', 1, 1000, base.failureThreshold),
      failureWindowMs: integer(input.failure_window_ms, 'failure_window_ms', 1, DAY_MS, base.failureWindowMs),
      cooldownMs: integer(input.cooldown_ms, 'cooldown_ms', 0, DAY_MS, base.cooldownMs),
      maxRetryAfterMs: integer(input.max_retry_after_ms, 'max_retry_after_ms', 0, DAY_MS, base.maxRetryAfterMs),
    };
  }

  /** Router names share the namespace of model ids and local aliases; ids compare without case. */
  private async checkConflicts(candidate: RouterRecord, apiModels: readonly ApiModelRecord[]): Promise<void> {
    const [routers, aliases] = await Promise.all([this.store.listRouters(), this.store.listLocalAliases()]);
    const twin = routers.find((r) => r.id !== candidate.id && sameId(r.name, candidate.name));
    if (twin?.name === candidate.name) throw conflict(`A router named '${candidate.name}' already exists.`, 'name');
    if (twin) throw conflict(`Model '${candidate.name}' differs only in case from router '${twin.name}'.`, 'name');
    const alias = aliases.find((a) => sameId(a.name, candidate.name));
    if (alias) throw conflict(`Model '${candidate.name}' is already ${alias.name === candidate.name ? 'a' : 'taken (ignoring case) by'} local alias '${alias.name}'.`, 'name');
    const clash = apiModelServing(apiModels, candidate.name);
    if (!clash) return;
    if (clash.id === candidate.name) throw conflict(`Model '${candidate.name}' is already served by API model '${clash.apiModel.name}'.`, 'name');
    if (clash.id) throw conflict(`Model '${candidate.name}' differs only in case from '${clash.id}', served by API model '${clash.apiModel.name}'.`, 'name');
    throw conflict(`Model '${candidate.name}' falls under prefix '${clash.apiModel.prefix}', which forwards all models to API model '${clash.apiModel.name}'.`, 'name');
  }
}

/** The routers that send calls to an API model. */
export const routersUsing = (routers: readonly RouterRecord[], apiModelId: string): RouterRecord[] =>
  routers.filter((r) => r.targets.some((t) => t.apiModelId === apiModelId));
