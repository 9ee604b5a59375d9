// Public liveness (/ping) and readiness (/health) probes. /health answers 503 while the
// database is unreachable (the instance still serves cached tokens and models meanwhile, but
// sees no config changes, e.g. revoked tokens), so a load balancer or orchestrator can tell.
import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../server/gateway.js';

/** A probe must answer quickly even when the database hangs instead of refusing. */
const DB_CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

export function healthRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get('/ping', async () => ({ message: 'pong' }));

  app.get('/health', async (_request, reply) => {
    let database: 'ok' | 'unreachable' = 'ok';
    try {
      await withTimeout(gw.store.configVersion(), DB_CHECK_TIMEOUT_MS);
    } catch {
      database = 'unreachable';
    }
    const ok = database === 'ok';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', version: gw.version, database, store: gw.store.kind });
  });
}
