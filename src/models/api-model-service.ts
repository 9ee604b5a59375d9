// The rules for creating and changing API models, shared by the CLI and the management API:
// validation (with the offending field named), conflicts (409), key encryption, and the
// public view that never contains the key.
import { randomUUID } from 'node:crypto';
import type { SecretBox } from '../crypto/secret-box.js';
import { badRequest, conflict, notFound } from '../errors/catalogue.js';
import type { ApiModelRecord, Store } from '../store/types.js';
import { API_FORMATS, isApiFormat, type ApiFormat } from '../providers/formats.js';
import { providerFor } from '../providers/index.js';
import { MAX_MODEL_ID_LENGTH, idLength, isPrintable, prefixCovers, prefixesOverlap, sameId, visible } from './model-ids.js';
import { WEBSOCKET_FORMATS, claimedIds, websocketMode } from '../state/registry.js';
import { routersUsing } from './router-service.js';

export interface ApiModelInput {
  name?: unknown;
  api_format?: unknown;
  base_url?: unknown;
  /** Omitted keeps the current key (on update); null clears it; a string replaces it. */
  api_key?: unknown;
  models?: unknown;
  prefix?: unknown;
  forward_all?: unknown;
  /** Omitted keeps the current value (on update); null or '' clears it. */
  openai_organization?: unknown;
  openai_project?: unknown;
  /** true, false, or null for automatic; omitted keeps the current value (on update). openai_responses only. */
  websocket?: unknown;
}

export interface ApiModelView {
  id: string;
  name: string;
  api_format: string;
  base_url: string;
  has_api_key: boolean;
  models: string[];
  prefix: string | null;
  forward_all: boolean;
  openai_organization: string | null;
  openai_project: string | null;
  /** The stored choice; null: automatic. */
  websocket: boolean | null;
  /** What the gateway does: the stored choice, or the automatic rule's answer. */
  websocket_effective: boolean;
  created_at: string;
  updated_at: string;
}

export function toView(m: ApiModelRecord): ApiModelView {
  return {
    id: m.id,
    name: m.name,
    api_format: m.apiFormat,
    base_url: m.baseUrl,
    has_api_key: m.apiKeyEnc !== null,
    models: m.models,
    prefix: m.prefix,
    forward_all: m.forwardAll,
    openai_organization: m.openaiOrganization,
    openai_project: m.openaiProject,
    websocket: m.websocket,
    websocket_effective: websocketMode(m),
    created_at: new Date(m.createdAt).toISOString(),
    updated_at: new Date(m.updatedAt).toISOString(),
  };
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

// The WHATWG parser quietly drops tabs and newlines and forgives a missing host (`http:///v1`
// becomes `http://v1`), so such input is refused before parsing rather than stored rewritten.
const URL_BAD_CHAR_RE = /[\p{Cc}\p{Cf}\p{Z}\s]/u;
const URL_AUTHORITY_RE = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#\\]*)/;

export function normaliseBaseUrl(raw: unknown): string {
  if (typeof raw !== 'string' || raw.trim() === '') throw badRequest('base_url is required.', 'base_url');
  const text = raw.trim();
  const authority = URL_AUTHORITY_RE.exec(text)?.[1];
  if (authority === undefined) throw badRequest(`base_url '${text}' is not a valid URL: expected e.g. https://api.openai.com/v1.`, 'base_url');
  if (URL_BAD_CHAR_RE.test(text)) throw badRequest(`base_url ${JSON.stringify(text)} must not contain spaces or control characters.`, 'base_url');
  if (/^(?::\d*)?$/.test(authority.slice(authority.lastIndexOf('@') + 1))) throw badRequest(`base_url '${text}' has no host.`, 'base_url');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw badRequest(`base_url '${raw}' is not a valid URL.`, 'base_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw badRequest('base_url must use http or https.', 'base_url');
  if (url.username || url.password) throw badRequest('base_url must not contain credentials; use api_key.', 'base_url');
  if (url.search || url.hash) throw badRequest('base_url must not contain a query or fragment.', 'base_url');
  return url.toString().replace(/\/+$/, '');
}

function validName(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') throw badRequest('name is required.', 'name');
  if (!NAME_RE.test(raw)) throw badRequest('name must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit.', 'name');
  return raw;
}

function validKey(raw: unknown): string {
  if (typeof raw !== 'string' || raw === '') throw badRequest('api_key must be a non-empty string (or null to clear it).', 'api_key');
  // Keys travel in a header: refuse anything that could split or corrupt it.
  if (!/^[\x21-\x7e]+$/.test(raw)) throw badRequest('api_key must be printable ASCII without spaces.', 'api_key');
  return raw;
}

function validModels(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badRequest('models must be an array of model ids.', 'models');
  const out: string[] = [];
  for (const m of raw) {
    if (typeof m !== 'string' || !isPrintable(m) || idLength(m) > MAX_MODEL_ID_LENGTH) {
      const shown = typeof m === 'string' ? `'${visible(m)}'` : JSON.stringify(m);
      throw badRequest(`models contains an invalid model id: ${shown}. Ids are 1-${MAX_MODEL_ID_LENGTH} printable characters, without spaces, control or bidi characters.`, 'models');
    }
    if (!out.includes(m)) out.push(m);
  }
  return out;
}

function validPrefix(raw: unknown): string | null {
  if (raw === undefined || raw === null || raw === '') return null;
  if (typeof raw !== 'string' || !isPrintable(raw) || idLength(raw) > 64) {
    throw badRequest('prefix must be up to 64 printable characters without spaces, control or bidi characters, e.g. "res/".', 'prefix');
  }
  return raw;
}

/** An OpenAI organization or project id: it travels in a header, so printable ASCII only. */
export function validOpenaiId(raw: unknown, field: 'openai_organization' | 'openai_project', current: string | null): string | null {
  if (raw === undefined) return current;
  if (raw === null || raw === '') return null;
  if (typeof raw !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(raw)) {
    throw badRequest(`${field} must be up to 256 printable ASCII characters without spaces, e.g. "${field === 'openai_project' ? 'proj_abc123' : 'org-abc123'}" (or null for none).`, field);
  }
  return raw;
}

/**
 * Whether a format sends an OpenAI organization and project upstream: asked of its provider
 * (the headers it derives from them without a key), so a new format needs no change here.
 */
export function takesOpenaiAccount(format: ApiFormat): boolean {
  return providerFor(format).upstreamHeaders(null, { openaiOrganization: 'org', openaiProject: 'proj' }).length > 0;
}

/** The stored organization and project: refused when typed for a format that never sends them, dropped when kept from another format. */
function accountFor(format: ApiFormat, input: ApiModelInput, current: { openaiOrganization: string | null; openaiProject: string | null }) {
  const openaiOrganization = validOpenaiId(input.openai_organization, 'openai_organization', current.openaiOrganization);
  const openaiProject = validOpenaiId(input.openai_project, 'openai_project', current.openaiProject);
  if (takesOpenaiAccount(format)) return { openaiOrganization, openaiProject };
  for (const field of ['openai_organization', 'openai_project'] as const) {
    const raw = input[field];
    if (raw !== undefined && raw !== null && raw !== '') {
      throw badRequest(`${field} is sent only by the ${API_FORMATS.filter(takesOpenaiAccount).join(' and ')} formats, not '${format}'. Leave it out (or null).`, field);
    }
  }
  return { openaiOrganization: null, openaiProject: null };
}

/** The stored WebSocket choice: refused when typed true/false for another format, reset to automatic when kept from one. */
export function websocketFor(format: ApiFormat, raw: unknown, current: boolean | null): boolean | null {
  if (raw !== undefined && raw !== null && typeof raw !== 'boolean') {
    throw badRequest('websocket must be true, false or null (automatic: on for api.openai.com).', 'websocket');
  }
  if (!WEBSOCKET_FORMATS.includes(format)) {
    if (typeof raw === 'boolean') throw badRequest(`websocket applies only to the ${WEBSOCKET_FORMATS.join(' and ')} format, not '${format}'. Leave it out (or null).`, 'websocket');
    return null;
  }
  return raw === undefined ? current : raw;
}

export class ApiModelService {
  constructor(
    private readonly store: Store,
    private readonly box: SecretBox,
  ) {}

  async list(): Promise<ApiModelView[]> {
    return (await this.store.listApiModels()).map(toView);
  }

  /** Finds by id, then by name. */
  async find(idOrName: string): Promise<ApiModelRecord> {
    const all = await this.store.listApiModels();
    const found = all.find((m) => m.id === idOrName) ?? all.find((m) => m.name === idOrName);
    if (!found) throw notFound(`API model '${idOrName}' not found.`, 'id', 'api_model_not_found');
    return found;
  }

  async create(input: ApiModelInput): Promise<ApiModelView> {
    const now = Date.now();
    const record = this.build(input, { id: randomUUID(), apiKeyEnc: null, openaiOrganization: null, openaiProject: null, websocket: null, createdAt: now, updatedAt: now });
    await this.checkConflicts(record);
    await this.store.insertApiModel(record);
    return toView(record);
  }

  async update(idOrName: string, input: ApiModelInput): Promise<ApiModelView> {
    const current = await this.find(idOrName);
    const record = this.build({ ...input }, { ...current, updatedAt: Date.now() });
    // A kept key stays with the server it was given for: moving it elsewhere needs it typed again.
    // Compared as whole base URLs: one host may serve several accounts under different paths.
    if (input.api_key === undefined && record.apiKeyEnc && record.baseUrl !== current.baseUrl) {
      throw badRequest(
        `base_url moves API model '${current.name}' to ${record.baseUrl}; its stored key is only sent to ${current.baseUrl}. Type the key (api_key), or set it to null.`,
        'api_key',
        'stored_key_base_url_mismatch',
      );
    }
    await this.checkConflicts(record);
    if (record.apiFormat !== current.apiFormat) {
      const using = routersUsing(await this.store.listRouters(), current.id);
      if (using.length) {
        throw conflict(`API model '${current.name}' is a target of router '${using[0]!.name}', whose targets share the '${current.apiFormat}' format; remove it from the router first.`, 'api_format');
      }
    }
    await this.store.updateApiModel(record);
    return toView(record);
  }

  async remove(idOrName: string): Promise<ApiModelView> {
    const current = await this.find(idOrName);
    const using = routersUsing(await this.store.listRouters(), current.id);
    if (using.length) {
      throw conflict(`API model '${current.name}' is a target of router ${using.map((r) => `'${r.name}'`).join(', ')}; remove it from the router first.`, 'id');
    }
    await this.store.deleteApiModel(current.id);
    return toView(current);
  }

  private build(input: ApiModelInput, base: Pick<ApiModelRecord, 'id' | 'apiKeyEnc' | 'openaiOrganization' | 'openaiProject' | 'websocket' | 'createdAt' | 'updatedAt'>): ApiModelRecord {
    if (input === null || typeof input !== 'object') throw badRequest('Expected a JSON object.');
    const name = validName(input.name);
    if (!isApiFormat(input.api_format)) {
      throw badRequest(`api_format must be one of: ${API_FORMATS.join(', ')}.`, 'api_format');
    }
    const baseUrl = normaliseBaseUrl(input.base_url);
    const models = validModels(input.models);
    const prefix = validPrefix(input.prefix);
    if (input.forward_all !== undefined && typeof input.forward_all !== 'boolean') throw badRequest('forward_all must be a boolean.', 'forward_all');
    const forwardAll = input.forward_all === true;
    if (forwardAll && !prefix) throw badRequest('forward_all needs a prefix: it forwards every model id that starts with it.', 'prefix');
    if (!forwardAll && models.length === 0) throw badRequest('models must list at least one model id (or set forward_all with a prefix).', 'models');
    const tooLong = models.find((m) => idLength((prefix ?? '') + m) > MAX_MODEL_ID_LENGTH);
    if (tooLong) throw badRequest(`Model id '${prefix ?? ''}${tooLong}' is longer than ${MAX_MODEL_ID_LENGTH} characters with its prefix.`, 'models');
    let apiKeyEnc = base.apiKeyEnc;
    if (input.api_key === null) apiKeyEnc = null;
    else if (input.api_key !== undefined) apiKeyEnc = this.box.encrypt(validKey(input.api_key));
    const { openaiOrganization, openaiProject } = accountFor(input.api_format, input, base);
    const websocket = websocketFor(input.api_format, input.websocket, base.websocket);
    return { ...base, name, apiFormat: input.api_format, baseUrl, apiKeyEnc, models, prefix, forwardAll, openaiOrganization, openaiProject, websocket };
  }

  /** 409s, each naming the API model or local alias it clashes with. Ids compare without case. */
  private async checkConflicts(candidate: ApiModelRecord): Promise<void> {
    const [all, localAliases, routers] = await Promise.all([this.store.listApiModels(), this.store.listLocalAliases(), this.store.listRouters()]);
    const others = all.filter((m) => m.id !== candidate.id);
    if (others.some((m) => m.name === candidate.name)) throw conflict(`An API model named '${candidate.name}' already exists.`, 'name');
    const mine = claimedIds(candidate);
    mine.forEach((id, i) => {
      const twin = mine.slice(0, i).find((earlier) => sameId(earlier, id));
      if (twin) throw conflict(`Model '${id}' differs only in case from '${twin}', also listed by API model '${candidate.name}'.`, 'models');
    });
    const myPrefix = candidate.forwardAll ? candidate.prefix : null;
    for (const other of others) {
      const theirs = claimedIds(other);
      const theirPrefix = other.forwardAll ? other.prefix : null;
      for (const id of mine) {
        const twin = theirs.find((t) => sameId(t, id));
        if (twin === id) throw conflict(`Model '${id}' is already served by API model '${other.name}'.`, 'models');
        if (twin) throw conflict(`Model '${id}' differs only in case from '${twin}', served by API model '${other.name}'.`, 'models');
        if (prefixCovers(theirPrefix, id)) throw conflict(`Model '${id}' falls under prefix '${theirPrefix}', which forwards all models to API model '${other.name}'.`, 'models');
      }
      if (!myPrefix) continue;
      const covered = theirs.find((t) => prefixCovers(myPrefix, t));
      if (covered) throw conflict(`Prefix '${myPrefix}' would also forward '${covered}', which API model '${other.name}' serves.`, 'prefix');
      if (theirPrefix && prefixesOverlap(myPrefix, theirPrefix)) {
        throw conflict(
          sameId(myPrefix, theirPrefix)
            ? `Prefix '${myPrefix}' already forwards all models to API model '${other.name}'.`
            : `Prefix '${myPrefix}' overlaps prefix '${theirPrefix}', which forwards all models to API model '${other.name}'.`,
          'prefix',
        );
      }
    }
    // Local aliases share the model-id namespace.
    for (const alias of localAliases) {
      const twin = mine.find((id) => sameId(id, alias.name));
      if (twin === alias.name) throw conflict(`Model '${alias.name}' is already a local alias.`, 'models');
      if (twin) throw conflict(`Model '${twin}' differs only in case from local alias '${alias.name}'.`, 'models');
      if (prefixCovers(myPrefix, alias.name)) throw conflict(`Prefix '${myPrefix}' would also forward local alias '${alias.name}'.`, 'prefix');
    }
    // So do routers.
    for (const router of routers) {
      const twin = mine.find((id) => sameId(id, router.name));
      if (twin === router.name) throw conflict(`Model '${router.name}' is already a router.`, 'models');
      if (twin) throw conflict(`Model '${twin}' differs only in case from router '${router.name}'.`, 'models');
      if (prefixCovers(myPrefix, router.name)) throw conflict(`Prefix '${myPrefix}' would also forward router '${router.name}'.`, 'prefix');
    }
  }
}
