// Public liveness (/ping) and readiness (/health) probes.
import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../server/gateway.js';

const healthSchema = {
  type: 'object',
  required: ['status', 'version', 'database'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    version: { type: 'string' },
    database: { type: 'string', enum: ['ok', 'unreachable'] },
  },
} as const;

export function healthRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get(
    '/ping',
    {
      schema: {
        tags: ['Server'],
        operationId: 'ping',
        summary: 'Liveness: the process answers',
        security: [],
        response: { 200: { type: 'object', required: ['message'], properties: { message: { type: 'string', const: 'pong' } } } },
      },
    },
    async () => ({ message: 'pong' }),
  );

  app.get(
    '/health',
    {
      schema: {
        tags: ['Server'],
        operationId: 'health',
        summary: 'Readiness: the database answers',
        security: [],
        response: { 200: { description: 'Ready', ...healthSchema }, 503: { description: 'The database is unreachable', ...healthSchema } },
      },
    },
    async (_request, reply) => {
      let database: 'ok' | 'unreachable' = 'ok';
      try {
        await gw.store.configVersion();
      } catch {
        database = 'unreachable';
      }
      return reply.code(database === 'ok' ? 200 : 503).send({ status: database === 'ok' ? 'ok' : 'degraded', version: gw.version, database });
    },
  );
}
