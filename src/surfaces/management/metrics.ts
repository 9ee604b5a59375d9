// GET /metrics in Prometheus text format.
import type { FastifyInstance } from 'fastify';
import type { GatewayMetrics } from '../../observability/metrics.js';
import { errorResponses } from '../error-schema.js';

export interface MetricsRoutesDeps {
  metrics: Pick<GatewayMetrics, 'render'>;
}

export function metricsRoutes(app: FastifyInstance, deps: MetricsRoutesDeps): void {
  const schema = {
    tags: ['Server'],
    operationId: 'getMetrics',
    summary: 'Prometheus metrics (admin token; or BODHI_METRICS_PORT for an unauthenticated listener)',
    produces: ['text/plain'],
    response: {
      200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
      ...errorResponses(401, 403),
    },
  };
  app.get('/metrics', { schema }, async (_request, reply) => {
    const { contentType, body } = await deps.metrics.render();
    return reply.type(contentType).send(body);
  });
}
