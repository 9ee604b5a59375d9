// In-memory view of the tokens table: a known token never waits for the database. The config
// sync (state/config-sync.ts) replaces the contents whenever the table changes; a well-formed
// token not in here makes the auth hook ask the sync for a fresh look first (it may have just
// been created), and one still unknown after that is remembered for a while.
import { unauthorized, type GatewayError } from '../errors/catalogue.js';
import type { Scope, TokenRecord } from '../store/types.js';
import { hashMatches, hashToken, isTokenShaped, lookupPrefix } from '../auth/token-format.js';

export interface AuthToken {
  readonly id: string;
  readonly name: string;
  readonly scope: Scope;
  /** Client-visible model ids this token may use; null means every model. */
  readonly allowedModels: ReadonlySet<string> | null;
  readonly rateLimitRpm: number | null;
}

interface Entry {
  record: TokenRecord;
  auth: AuthToken;
}

/** `unknown`: a well-formed token this cache has never seen (it may have been created a moment ago). */
export type AuthResult = { ok: true; token: AuthToken } | { ok: false; error: GatewayError; unknown?: string };

const MISSING = unauthorized(
  "You didn't provide an API token. Send your Bodhi token in an Authorization header using Bearer auth (Authorization: Bearer <token>).",
  'missing_token',
);
const INVALID = unauthorized('Invalid API token provided.', 'invalid_token');
const REVOKED = unauthorized('This API token has been revoked.', 'token_revoked');
const EXPIRED = unauthorized('This API token has expired.', 'token_expired');

/** Tokens already matched against their hash, so a repeat caller skips SHA-256 (bounded). */
export const MAX_VERIFIED = 10_000;
/**
 * Tokens found in no store after a fresh look, answered 401 at once (no version check) for a
 * while. Safe to remember: a token is 256 random bits, so a value seen before it was created
 * cannot occur; the bounds only keep memory small.
 */
export const MAX_UNKNOWN = 10_000;
export const UNKNOWN_TTL_MS = 2_000;

function check({ record, auth }: Entry, now: number): AuthResult {
  if (record.status !== 'active') return { ok: false, error: REVOKED };
  if (record.expiresAt !== null && record.expiresAt <= now) return { ok: false, error: EXPIRED };
  return { ok: true, token: auth };
}

export class TokenCache {
  private byPrefix = new Map<string, Entry[]>();
  /**
   * Tokens already matched against their hash, so a repeat caller skips SHA-256 (bounded,
   * rebuilt on every reload so revocation and expiry apply at once). Held in memory only.
   */
  private verified = new Map<string, Entry>();
  /** Token -> when it may be looked for again (insertion order = age, the oldest goes first). */
  private unknown = new Map<string, number>();
  /** Lookups that found a stored token (active or not) vs. ones that found none; for /metrics. */
  readonly stats = { hits: 0, misses: 0 };

  /** Tokens held as verified right now (at most MAX_VERIFIED); for tests. */
  get verifiedCount(): number {
    return this.verified.size;
  }

  replace(records: readonly TokenRecord[]): void {
    const next = new Map<string, Entry[]>();
    for (const record of records) {
      const auth: AuthToken = {
        id: record.id,
        name: record.name,
        scope: record.scope,
        allowedModels: record.allowedModels ? new Set(record.allowedModels) : null,
        rateLimitRpm: record.rateLimitRpm,
      };
      const list = next.get(record.tokenPrefix);
      if (list) list.push({ record, auth });
      else next.set(record.tokenPrefix, [{ record, auth }]);
    }
    this.byPrefix = next;
    this.verified = new Map();
  }

  /** Checks an Authorization header value. */
  authenticate(authorization: string | undefined, now = Date.now()): AuthResult {
    if (!authorization) return { ok: false, error: MISSING };
    const space = authorization.indexOf(' ');
    if (space < 0 || authorization.slice(0, space).toLowerCase() !== 'bearer') return { ok: false, error: MISSING };
    const token = authorization.slice(space + 1).trim();
    const known = this.verified.get(token);
    if (known) {
      this.stats.hits++;
      return check(known, now);
    }
    if (!isTokenShaped(token)) return { ok: false, error: INVALID };
    const knownUnknown = this.unknown.get(token);
    if (knownUnknown !== undefined) {
      if (knownUnknown > now) {
        this.stats.misses++;
        return { ok: false, error: INVALID };
      }
      this.unknown.delete(token);
    }
    // An unknown token is counted as a miss once the caller is done looking (`missed`).
    const candidates = this.byPrefix.get(lookupPrefix(token));
    if (!candidates) return { ok: false, error: INVALID, unknown: token };
    const hash = hashToken(token);
    for (const entry of candidates) {
      if (!hashMatches(entry.record.tokenHash, hash)) continue;
      this.stats.hits++;
      if (this.verified.size >= MAX_VERIFIED) this.verified.clear();
      this.verified.set(token, entry);
      return check(entry, now);
    }
    return { ok: false, error: INVALID, unknown: token };
  }

  /**
   * A token found nowhere: counted as a miss, and, when the store was looked at afresh
   * (`remember`), refused at once for UNKNOWN_TTL_MS.
   */
  missed(token: string, remember: boolean, now = Date.now()): void {
    this.stats.misses++;
    if (!remember) return;
    if (this.unknown.size >= MAX_UNKNOWN) this.unknown.delete(this.unknown.keys().next().value!);
    this.unknown.set(token, now + UNKNOWN_TTL_MS);
  }

  /** How many unknown tokens are remembered (for tests of the bound). */
  get unknownCount(): number {
    return this.unknown.size;
  }
}
