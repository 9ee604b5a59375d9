// /bodhi/v1/api-models: admin CRUD over API models. Keys go in, never come out.
import type { FastifyInstance } from 'fastify';
import { toView, type ApiModelInput } from '../../models/api-model-service.js';
import { API_FORMATS, FORMAT_LABELS } from '../../models/formats.js';
import type { Gateway } from '../../server/gateway.js';
import { apiModelInputSchema, idParamsSchema } from './schemas.js';

type IdParams = { Params: { id: string } };

export function apiModelRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get('/api-models', async () => ({ object: 'list', data: await gw.apiModels.list() }));

  app.get('/api-models/formats', async () => ({
    object: 'list',
    data: API_FORMATS.map((id) => ({ id, label: FORMAT_LABELS[id] })),
  }));

  app.post<{ Body: ApiModelInput }>('/api-models', { schema: { body: apiModelInputSchema } }, async (request, reply) => {
    const created = await gw.apiModels.create(request.body);
    await gw.sync.reload();
    return reply.code(201).send(created);
  });

  app.get<IdParams>('/api-models/:id', { schema: { params: idParamsSchema } }, async (request) => {
    return toView(await gw.apiModels.find(request.params.id));
  });

  app.put<IdParams & { Body: ApiModelInput }>('/api-models/:id', { schema: { params: idParamsSchema, body: apiModelInputSchema } }, async (request) => {
    const updated = await gw.apiModels.update(request.params.id, request.body);
    await gw.sync.reload();
    return updated;
  });

  app.delete<IdParams>('/api-models/:id', { schema: { params: idParamsSchema } }, async (request) => {
    const removed = await gw.apiModels.remove(request.params.id);
    await gw.sync.reload();
    return { id: removed.id, object: 'api_model.deleted', deleted: true };
  });
}
