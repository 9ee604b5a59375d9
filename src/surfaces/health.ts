// Public liveness (/ping) and readiness (/health) probes. /health answers 503 while the
// database is unreachable (the instance still serves cached tokens and models meanwhile, but
// sees no config changes, e.g. revoked tokens), so a load balancer or orchestrator can tell.
import type { FastifyInstance } from 'fastify';
import { GATEWAY_ERROR_HEADERS } from '../errors/catalogue.js';
import { gatewayErrorHeader } from './error-schema.js';
import type { Store } from '../store/types.js';

/** A probe must answer quickly even when the database hangs instead of refusing. */
const DB_CHECK_TIMEOUT_MS = 2_000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

const healthSchema = {
  type: 'object',
  required: ['status', 'version', 'database', 'store'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded'] },
    version: { type: 'string' },
    database: { type: 'string', enum: ['ok', 'unreachable'] },
    store: { type: 'string', enum: ['sqlite', 'postgres'] },
  },
} as const;

export interface HealthRoutesDeps {
  version: string;
  store: Pick<Store, 'configVersion' | 'kind'>;
}

export function healthRoutes(app: FastifyInstance, deps: HealthRoutesDeps): void {
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
        response: { 200: { description: 'Ready', ...healthSchema }, 503: { description: 'The database is unreachable', headers: gatewayErrorHeader, ...healthSchema } },
      },
    },
    async (_request, reply) => {
      let database: 'ok' | 'unreachable' = 'ok';
      try {
        await withTimeout(deps.store.configVersion(), DB_CHECK_TIMEOUT_MS);
      } catch {
        database = 'unreachable';
      }
      const ok = database === 'ok';
      if (!ok) void reply.headers(GATEWAY_ERROR_HEADERS);
      return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'degraded', version: deps.version, database, store: deps.store.kind });
    },
  );
}
