// Creating, listing, changing and revoking gateway tokens, shared by the CLI and the
// management API. The token itself exists only in the create result.
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, notFound } from '../errors/catalogue.js';
import type { Scope, Store, TokenRecord, TokenStatus } from '../store/types.js';
import { SCOPES, isScope } from './scopes.js';
import { TOKEN_PREFIX, generateToken, hashToken, lookupPrefix } from './token-format.js';

export interface TokenInput {
  name?: unknown;
  scope?: unknown;
  status?: unknown;
  /** ISO 8601 time or null. */
  expires_at?: unknown;
  allowed_models?: unknown;
  rate_limit_rpm?: unknown;
}

/** What a token is right now: `status` is only what was set (active or revoked); this adds the clock. */
export type TokenState = 'active' | 'expired' | 'revoked';

export interface TokenView {
  id: string;
  name: string;
  scope: Scope;
  status: TokenStatus;
  state: TokenState;
  /** The first characters of the token, enough to recognise it. */
  token_hint: string;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  allowed_models: string[] | null;
  rate_limit_rpm: number | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9 ._@-]{0,63}$/;

export function tokenState(t: Pick<TokenRecord, 'status' | 'expiresAt'>, now = Date.now()): TokenState {
  if (t.status === 'revoked') return 'revoked';
  return t.expiresAt !== null && t.expiresAt <= now ? 'expired' : 'active';
}

export function toTokenView(t: TokenRecord, pendingUse?: number, now = Date.now()): TokenView {
  return {
    id: t.id,
    name: t.name,
    scope: t.scope,
    status: t.status,
    state: tokenState(t, now),
    token_hint: `${TOKEN_PREFIX}${t.tokenPrefix}...`,
    created_at: iso(t.createdAt)!,
    updated_at: iso(t.updatedAt)!,
    last_used_at: iso(Math.max(t.lastUsedAt ?? 0, pendingUse ?? 0) || null),
    expires_at: iso(t.expiresAt),
    allowed_models: t.allowedModels,
    rate_limit_rpm: t.rateLimitRpm,
  };
}

/** A new expiry must lie ahead: a token born expired only looks usable. `unchanged` is the stored one, which may be passed back as it is. */
function parseExpiry(raw: unknown, unchanged: number | null = null): number | null {
  if (raw === null) return null;
  if (typeof raw !== 'string' || Number.isNaN(Date.parse(raw))) throw badRequest('expires_at must be an ISO 8601 date-time or null.', 'expires_at');
  const at = Date.parse(raw);
  if (at <= Date.now() && at !== unchanged) throw badRequest(`expires_at ${new Date(at).toISOString()} is in the past; give a future time (or null for no expiry).`, 'expires_at');
  return at;
}

function parseAllowed(raw: unknown): string[] | null {
  if (raw === null) return null;
  if (!Array.isArray(raw) || raw.some((m) => typeof m !== 'string' || m === '')) {
    throw badRequest('allowed_models must be an array of model ids or null.', 'allowed_models');
  }
  return [...new Set(raw as string[])];
}

function parseRpm(raw: unknown): number | null {
  if (raw === null) return null;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1) throw badRequest('rate_limit_rpm must be a positive integer or null.', 'rate_limit_rpm');
  return raw;
}

export class TokenService {
  constructor(
    private readonly store: Store,
    private readonly pendingUse: (id: string) => number | undefined = () => undefined,
  ) {}

  async list(): Promise<TokenView[]> {
    return (await this.store.listTokens()).map((t) => toTokenView(t, this.pendingUse(t.id)));
  }

  /** By id, else the active token with that name, else any token with that name. */
  async find(idOrName: string): Promise<TokenRecord> {
    const all = await this.store.listTokens();
    const found =
      all.find((t) => t.id === idOrName) ??
      all.find((t) => t.name === idOrName && t.status === 'active') ??
      all.find((t) => t.name === idOrName);
    if (!found) throw notFound(`Token '${idOrName}' not found.`, 'id', 'token_not_found');
    return found;
  }

  async create(input: TokenInput): Promise<{ token: string; view: TokenView }> {
    if (input === null || typeof input !== 'object') throw badRequest('Expected a JSON object.');
    const name = this.validName(input.name);
    const scope = input.scope === undefined ? 'user' : input.scope;
    if (!isScope(scope)) throw badRequest(`scope must be one of: ${SCOPES.join(', ')}.`, 'scope');
    await this.checkNameFree(name);
    const token = generateToken();
    const now = Date.now();
    const record: TokenRecord = {
      id: randomUUID(),
      name,
      tokenPrefix: lookupPrefix(token),
      tokenHash: hashToken(token).toString('hex'),
      scope,
      status: 'active',
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
      expiresAt: input.expires_at === undefined ? null : parseExpiry(input.expires_at),
      allowedModels: input.allowed_models === undefined ? null : parseAllowed(input.allowed_models),
      rateLimitRpm: input.rate_limit_rpm === undefined ? null : parseRpm(input.rate_limit_rpm),
    };
    await this.store.insertToken(record);
    return { token, view: toTokenView(record) };
  }

  async update(idOrName: string, input: TokenInput): Promise<TokenView> {
    if (input === null || typeof input !== 'object') throw badRequest('Expected a JSON object.');
    const current = await this.find(idOrName);
    const next: TokenRecord = { ...current, updatedAt: Date.now() };
    if (input.name !== undefined) next.name = this.validName(input.name);
    if (input.scope !== undefined) {
      if (!isScope(input.scope)) throw badRequest(`scope must be one of: ${SCOPES.join(', ')}.`, 'scope');
      next.scope = input.scope;
    }
    if (input.status !== undefined) {
      if (input.status !== 'active' && input.status !== 'revoked') throw badRequest('status must be active or revoked.', 'status');
      next.status = input.status;
    }
    if (input.expires_at !== undefined) next.expiresAt = parseExpiry(input.expires_at, current.expiresAt);
    if (input.allowed_models !== undefined) next.allowedModels = parseAllowed(input.allowed_models);
    if (input.rate_limit_rpm !== undefined) next.rateLimitRpm = parseRpm(input.rate_limit_rpm);
    if (next.status === 'active' && (next.name !== current.name || current.status !== 'active')) await this.checkNameFree(next.name, current.id);
    await this.store.updateToken(next);
    return toTokenView(next, this.pendingUse(next.id));
  }

  async revoke(idOrName: string): Promise<TokenView> {
    return this.update(idOrName, { status: 'revoked' });
  }

  private validName(raw: unknown): string {
    if (typeof raw !== 'string' || raw === '') throw badRequest('name is required.', 'name');
    if (!NAME_RE.test(raw)) throw badRequest('name must be 1-64 letters, digits, spaces, ".", "_", "@" or "-".', 'name');
    return raw;
  }

  private async checkNameFree(name: string, exceptId?: string): Promise<void> {
    const clash = (await this.store.listTokens()).find((t) => t.name === name && t.status === 'active' && t.id !== exceptId);
    if (clash) throw conflict(`An active token named '${name}' already exists.`, 'name');
  }
}
