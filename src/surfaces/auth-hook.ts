// Fastify onRequest hook: Bearer token -> cached token -> 401/403 -> rate limit 429. A known
// token is checked synchronously, without the database; a well-formed unknown one waits for a
// fresh look at the store (it may have been created a moment ago by the CLI or another instance).
import type { FastifyRequest, HookHandlerDoneFunction, onRequestHookHandler } from 'fastify';
import { forbidden } from '../errors/catalogue.js';
import type { Scope } from '../store/types.js';
import type { LastUsedRecorder } from '../auth/last-used.js';
import type { RateLimits } from '../auth/rate-limit.js';
import { scopeAtLeast } from '../auth/scopes.js';
import type { AuthResult, TokenCache } from '../state/token-cache.js';

/** Brings the caches up to date with the store; resolves true when the store answered. */
export type RefreshOnMiss = () => Promise<boolean>;

/**
 * Where a surface's clients put the gateway token, as an Authorization value
 * (`Bearer <token>`); undefined when there is none.
 */
export type CredentialReader = (request: FastifyRequest) => string | undefined;

/** OpenAI's clients: `Authorization: Bearer <token>`. */
export const bearerCredential: CredentialReader = (request) => request.headers.authorization;

export function authHook(
  tokens: TokenCache,
  lastUsed: LastUsedRecorder,
  need: Scope,
  rateLimits: RateLimits,
  refresh: RefreshOnMiss,
  credential: CredentialReader = bearerCredential,
): onRequestHookHandler {
  const admit = (request: FastifyRequest, result: AuthResult, done: HookHandlerDoneFunction) => {
    if (!result.ok) return done(result.error);
    if (!scopeAtLeast(result.token.scope, need)) {
      return done(forbidden(`This endpoint needs a token with the '${need}' scope; yours has '${result.token.scope}'.`, 'insufficient_scope'));
    }
    request.token = result.token;
    lastUsed.touch(result.token.id);
    if (result.token.rateLimitRpm !== null) {
      const limited = rateLimits.take(result.token.id, result.token.rateLimitRpm);
      // A worker of `bodhi serve --workers N` asks the cluster primary: one round trip.
      if (limited instanceof Promise) {
        limited.then(
          (refusal) => done(refusal),
          (err: unknown) => done(err instanceof Error ? err : new Error(String(err))),
        );
        return;
      }
      if (limited) return done(limited);
    }
    done();
  };

  return function authenticate(request, _reply, done) {
    const presented = credential(request);
    const result = tokens.authenticate(presented);
    if (result.ok || !result.unknown) return admit(request, result, done);
    refresh().then(
      (reached) => {
        const again = tokens.authenticate(presented);
        // Only a store that answered proves the token does not exist.
        if (!again.ok && again.unknown) tokens.missed(again.unknown, reached);
        admit(request, again, done);
      },
      () => {
        tokens.missed(result.unknown!, false);
        admit(request, result, done);
      },
    );
  };
}
