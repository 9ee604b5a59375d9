import { describe, expect, it } from 'vitest';
import { MAX_UNKNOWN, MAX_VERIFIED, TokenCache, UNKNOWN_TTL_MS } from '../../src/state/token-cache.js';
import { generateToken, hashToken, lookupPrefix } from '../../src/auth/token-format.js';
import type { TokenRecord } from '../../src/store/types.js';

const token = generateToken();
const record = (over: Partial<TokenRecord> = {}): TokenRecord => ({
  id: 't1',
  name: 'app',
  tokenPrefix: lookupPrefix(token),
  tokenHash: hashToken(token).toString('hex'),
  scope: 'user',
  status: 'active',
  createdAt: 0,
  updatedAt: 0,
  lastUsedAt: null,
  expiresAt: null,
  allowedModels: null,
  rateLimitRpm: null,
  ...over,
});
const code = (r: ReturnType<TokenCache['authenticate']>) => (r.ok ? 'ok' : r.error.code);

describe('TokenCache', () => {
  it('accepts a known token again and again (the repeat path skips hashing)', () => {
    const cache = new TokenCache();
    cache.replace([record()]);
    expect(code(cache.authenticate(`Bearer ${token}`))).toBe('ok');
    expect(code(cache.authenticate(`bearer ${token}`))).toBe('ok');
  });

  it('sees a revocation or a removal as soon as the records are replaced, even for a token it already verified', () => {
    const cache = new TokenCache();
    cache.replace([record()]);
    expect(code(cache.authenticate(`Bearer ${token}`))).toBe('ok');
    cache.replace([record({ status: 'revoked' })]);
    expect(code(cache.authenticate(`Bearer ${token}`))).toBe('token_revoked');
    cache.replace([]);
    expect(code(cache.authenticate(`Bearer ${token}`))).toBe('invalid_token');
  });

  it('checks expiry on every call, also for a verified token', () => {
    const cache = new TokenCache();
    cache.replace([record({ expiresAt: 1_000 })]);
    expect(code(cache.authenticate(`Bearer ${token}`, 999))).toBe('ok');
    expect(code(cache.authenticate(`Bearer ${token}`, 1_000))).toBe('token_expired');
  });

  it('rejects a wrong token that shares the lookup prefix', () => {
    const cache = new TokenCache();
    cache.replace([record()]);
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    expect(code(cache.authenticate(`Bearer ${forged}`))).toBe('invalid_token');
    expect(code(cache.authenticate(undefined))).toBe('missing_token');
  });

  it('never holds more verified tokens than its bound, after 3x as many distinct tokens', () => {
    const tokens = Array.from({ length: 3 * MAX_VERIFIED }, () => generateToken());
    const cache = new TokenCache();
    cache.replace(tokens.map((t, i) => record({ id: `t${i}`, name: `app${i}`, tokenPrefix: lookupPrefix(t), tokenHash: hashToken(t).toString('hex') })));
    let most = 0;
    for (const t of tokens) {
      expect(cache.authenticate(`Bearer ${t}`).ok).toBe(true);
      most = Math.max(most, cache.verifiedCount);
    }
    expect(most).toBe(MAX_VERIFIED);
    expect(cache.verifiedCount).toBeGreaterThan(0);
    expect(cache.verifiedCount).toBeLessThanOrEqual(MAX_VERIFIED);
    // Every token still authenticates, verified or not.
    for (const t of tokens.slice(0, 100)) expect(cache.authenticate(`Bearer ${t}`).ok).toBe(true);
  });

  it('remembers at most MAX_UNKNOWN unknown tokens, each for UNKNOWN_TTL_MS, and refuses them from memory meanwhile', () => {
    const cache = new TokenCache();
    cache.replace([record()]);
    const now = 1_000_000;
    const unknown = Array.from({ length: MAX_UNKNOWN + 500 }, () => generateToken());
    for (const t of unknown) {
      const r = cache.authenticate(`Bearer ${t}`, now);
      expect(r.ok).toBe(false);
      cache.missed(t, true, now);
      expect(cache.unknownCount).toBeLessThanOrEqual(MAX_UNKNOWN);
    }
    expect(cache.unknownCount).toBe(MAX_UNKNOWN);
    const last = unknown.at(-1)!;
    const fromMemory = cache.authenticate(`Bearer ${last}`, now + 1);
    expect(fromMemory.ok === false && fromMemory.unknown).toBeFalsy(); // from memory: no fresh look asked
    expect(cache.authenticate(`Bearer ${last}`, now + UNKNOWN_TTL_MS + 1)).toMatchObject({ ok: false, unknown: last }); // expired: asks again
    expect(cache.authenticate(`Bearer ${unknown[0]}`, now + 1)).toMatchObject({ ok: false, unknown: unknown[0] }); // the oldest was dropped
    expect(cache.authenticate(`Bearer ${token}`, now).ok).toBe(true);
  });
});
