// GET /metrics in Prometheus text format.
import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../../server/gateway.js';

export function metricsRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await gw.metrics.render();
    return reply.type(contentType).send(body);
  });
}
