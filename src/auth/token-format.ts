// Gateway tokens: `sk-bodhiapp_` + 43 base64url chars (32 random bytes). Only a SHA-256 hash
// and a short lookup prefix are stored; the token itself is shown once, at creation.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const TOKEN_PREFIX = 'sk-bodhiapp_';
const TOKEN_RE = /^sk-bodhiapp_[A-Za-z0-9_-]{43}$/;
const LOOKUP_LEN = 8;

export function generateToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

export const isTokenShaped = (s: string): boolean => TOKEN_RE.test(s);

/** The characters that index a token in the cache: not secret enough to matter, enough to narrow to one row. */
export const lookupPrefix = (token: string): string => token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + LOOKUP_LEN);

export const hashToken = (token: string): Buffer => createHash('sha256').update(token).digest();

export function hashMatches(candidateHex: string, hash: Buffer): boolean {
  const stored = Buffer.from(candidateHex, 'hex');
  return stored.length === hash.length && timingSafeEqual(stored, hash);
}
