// Fastify onRequest hook: Bearer token -> cached token -> 401/403 -> rate limit 429. No
// database access.
import type { onRequestHookHandler } from 'fastify';
import { forbidden } from '../errors.js';
import type { Scope } from '../store/types.js';
import type { LastUsedRecorder } from './last-used.js';
import type { RateLimiter } from './rate-limit.js';
import { scopeAtLeast } from './scopes.js';
import type { TokenCache } from './token-cache.js';

export function authHook(tokens: TokenCache, lastUsed: LastUsedRecorder, need: Scope, rateLimits: RateLimiter): onRequestHookHandler {
  return function authenticate(request, _reply, done) {
    const result = tokens.authenticate(request.headers.authorization);
    if (!result.ok) return done(result.error);
    if (!scopeAtLeast(result.token.scope, need)) {
      return done(forbidden(`This endpoint needs a token with the '${need}' scope; yours has '${result.token.scope}'.`, 'insufficient_scope'));
    }
    request.token = result.token;
    lastUsed.touch(result.token.id);
    if (result.token.rateLimitRpm !== null) {
      const limited = rateLimits.take(result.token.id, result.token.rateLimitRpm);
      if (limited) return done(limited);
    }
    done();
  };
}
