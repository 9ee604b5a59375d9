// The rules for creating and changing local aliases (GGUF models run by llama.cpp), shared by
// the CLI and the management API: validation with the offending field named (the model file is
// checked to be a readable GGUF model right here, not at the first request), and conflicts
// (409) with other aliases and with the model ids API models serve.
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { expandHome } from '../config.js';
import { badRequest, conflict, notFound } from '../errors/catalogue.js';
import { GgufError, readGgufSummary } from '../providers/local/gguf-header.js';
import { parseRequestParams } from '../providers/local/sampling-params.js';
import type { ApiModelRecord, LocalAliasRecord, Store } from '../store/types.js';
import { prefixCovers, sameId } from './model-ids.js';
import { claimedIds } from '../state/registry.js';

export interface LocalAliasInput {
  name?: unknown;
  model_file?: unknown;
  context_size?: unknown;
  request_params?: unknown;
}

export interface LocalAliasView {
  id: string;
  name: string;
  kind: 'local';
  model_file: string;
  context_size: number | null;
  request_params: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export function toLocalAliasView(a: LocalAliasRecord): LocalAliasView {
  return {
    id: a.id,
    name: a.name,
    kind: 'local',
    model_file: a.modelFile,
    context_size: a.contextSize,
    request_params: a.requestParams,
    created_at: new Date(a.createdAt).toISOString(),
    updated_at: new Date(a.updatedAt).toISOString(),
  };
}

// Like API model ids, plus ':' (e.g. "llama3:instruct"); no '/' or spaces.
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;
const MAX_CONTEXT = 1 << 20;

function validName(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') throw badRequest('name is required.', 'name');
  if (!NAME_RE.test(raw)) throw badRequest('name must be 1-128 letters, digits, ".", "_", ":" or "-", starting with a letter or digit.', 'name');
  return raw;
}

function validContextSize(raw: unknown): number | null {
  if (raw === undefined || raw === null) return null;
  if (!Number.isInteger(raw) || (raw as number) < 16 || (raw as number) > MAX_CONTEXT) {
    throw badRequest(`context_size must be an integer between 16 and ${MAX_CONTEXT} (or null for the default).`, 'context_size');
  }
  return raw as number;
}

/** Resolves the path and checks it is a readable GGUF model; every failure is a 400 on model_file. */
export async function validModelFile(raw: unknown): Promise<string> {
  if (typeof raw !== 'string' || raw.trim() === '') throw badRequest('model_file is required: the path of a .gguf model file.', 'model_file');
  const expanded = expandHome(raw.trim());
  const path = isAbsolute(expanded) ? expanded : resolve(expanded);
  const bad = (why: string) => badRequest(`model_file '${path}' ${why}.`, 'model_file', 'invalid_model_file');
  try {
    const st = await stat(path);
    if (!st.isFile()) throw bad('is not a file');
    await access(path, constants.R_OK);
    await readGgufSummary(path);
  } catch (err) {
    if (err instanceof GgufError) throw bad(`is not a usable GGUF model: ${err.message}`);
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw bad('does not exist');
    if (code === 'EACCES' || code === 'EPERM') throw bad('is not readable by the gateway');
    if (code === 'EISDIR') throw bad('is not a file');
    throw err;
  }
  return path;
}

export class LocalAliasService {
  constructor(private readonly store: Store) {}

  async list(): Promise<LocalAliasView[]> {
    return (await this.store.listLocalAliases()).map(toLocalAliasView);
  }

  /** Finds by id, then by name. */
  async find(idOrName: string): Promise<LocalAliasRecord> {
    const all = await this.store.listLocalAliases();
    const found = all.find((a) => a.id === idOrName) ?? all.find((a) => a.name === idOrName);
    if (!found) throw notFound(`Local alias '${idOrName}' not found.`, 'id', 'local_alias_not_found');
    return found;
  }

  async create(input: LocalAliasInput): Promise<LocalAliasView> {
    const now = Date.now();
    const record = await this.build(input, { id: randomUUID(), createdAt: now, updatedAt: now });
    await this.checkConflicts(record);
    await this.store.insertLocalAlias(record);
    return toLocalAliasView(record);
  }

  /** Replaces the alias's settings (the same fields as create). */
  async update(idOrName: string, input: LocalAliasInput): Promise<LocalAliasView> {
    const current = await this.find(idOrName);
    const record = await this.build(input, { id: current.id, createdAt: current.createdAt, updatedAt: Date.now() });
    await this.checkConflicts(record);
    await this.store.updateLocalAlias(record);
    return toLocalAliasView(record);
  }

  async remove(idOrName: string): Promise<LocalAliasView> {
    const current = await this.find(idOrName);
    await this.store.deleteLocalAlias(current.id);
    return toLocalAliasView(current);
  }

  private async build(input: LocalAliasInput, base: Pick<LocalAliasRecord, 'id' | 'createdAt' | 'updatedAt'>): Promise<LocalAliasRecord> {
    if (input === null || typeof input !== 'object') throw badRequest('Expected a JSON object.');
    const name = validName(input.name);
    const contextSize = validContextSize(input.context_size);
    const requestParams = parseRequestParams(input.request_params) as Record<string, unknown>;
    const modelFile = await validModelFile(input.model_file);
    return { ...base, name, modelFile, contextSize, requestParams };
  }

  private async checkConflicts(candidate: LocalAliasRecord): Promise<void> {
    const [aliases, apiModels, routers] = await Promise.all([this.store.listLocalAliases(), this.store.listApiModels(), this.store.listRouters()]);
    // Names compare without case, like API model ids: `Llama3` beside `llama3` reads as one id.
    const twin = aliases.find((a) => a.id !== candidate.id && sameId(a.name, candidate.name));
    if (twin?.name === candidate.name) throw conflict(`A local alias named '${candidate.name}' already exists.`, 'name');
    if (twin) throw conflict(`Model '${candidate.name}' differs only in case from local alias '${twin.name}'.`, 'name');
    const router = routers.find((r) => sameId(r.name, candidate.name));
    if (router) throw conflict(router.name === candidate.name ? `Model '${candidate.name}' is already a router.` : `Model '${candidate.name}' differs only in case from router '${router.name}'.`, 'name');
    const clash = apiModelServing(apiModels, candidate.name);
    if (!clash) return;
    if (clash.id === candidate.name) throw conflict(`Model '${candidate.name}' is already served by API model '${clash.apiModel.name}'.`, 'name');
    if (clash.id) throw conflict(`Model '${candidate.name}' differs only in case from '${clash.id}', served by API model '${clash.apiModel.name}'.`, 'name');
    throw conflict(`Model '${candidate.name}' falls under prefix '${clash.apiModel.prefix}', which forwards all models to API model '${clash.apiModel.name}'.`, 'name');
  }
}

/** The API model that would also answer for `id` (ignoring case): an explicit model id (`id` set), or a forward-all prefix. */
export function apiModelServing(apiModels: readonly ApiModelRecord[], id: string): { apiModel: ApiModelRecord; id?: string } | undefined {
  for (const apiModel of apiModels) {
    const claimed = claimedIds(apiModel).find((c) => sameId(c, id));
    if (claimed) return { apiModel, id: claimed };
  }
  const forwarding = apiModels.find((m) => m.forwardAll && prefixCovers(m.prefix, id));
  return forwarding && { apiModel: forwarding };
}
