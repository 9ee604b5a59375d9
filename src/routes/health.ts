// Public liveness (/ping) and readiness (/health) probes.
import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../server/gateway.js';

export function healthRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get('/ping', async () => ({ message: 'pong' }));

  app.get('/health', async (_request, reply) => {
    let database: 'ok' | 'unreachable' = 'ok';
    try {
      await gw.store.configVersion();
    } catch {
      database = 'unreachable';
    }
    return reply.code(database === 'ok' ? 200 : 503).send({ status: database === 'ok' ? 'ok' : 'degraded', version: gw.version, database });
  });
}
