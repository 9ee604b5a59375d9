// /bodhi/v1/api-models: admin CRUD over API models. Keys go in, never come out.
import type { FastifyInstance } from 'fastify';
import { toView, type ApiModelInput, type ApiModelService } from '../../models/api-model-service.js';
import { API_FORMATS, FORMAT_LABELS } from '../../providers/formats.js';
import type { ConfigSync } from '../../state/config-sync.js';
import { errorResponses, ref } from '../error-schema.js';
import { idParamsSchema } from './schemas.js';

type IdParams = { Params: { id: string } };
const tags = ['API models'];

export interface ApiModelRoutesDeps {
  apiModels: ApiModelService;
  /** Reloaded after a change, so it is routed at once. */
  sync: Pick<ConfigSync, 'reload'>;
}

export function apiModelRoutes(app: FastifyInstance, deps: ApiModelRoutesDeps): void {
  app.get(
    '/api-models',
    { schema: { tags, operationId: 'listApiModels', summary: 'List API models', response: { 200: ref('ApiModelList'), ...errorResponses(401, 403) } } },
    async () => ({ object: 'list', data: await deps.apiModels.list() }),
  );

  app.get(
    '/api-models/formats',
    { schema: { tags, operationId: 'listApiFormats', summary: 'List the API formats and their labels', response: { 200: ref('ApiFormatList'), ...errorResponses(401, 403) } } },
    async () => ({
      object: 'list',
      data: API_FORMATS.map((id) => ({ id, label: FORMAT_LABELS[id] })),
    }),
  );

  app.post<{ Body: ApiModelInput }>(
    '/api-models',
    {
      schema: {
        tags,
        operationId: 'createApiModel',
        summary: 'Add an API model',
        body: ref('ApiModelInput'),
        response: { 201: { description: 'Created', ...ref('ApiModel') }, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const created = await deps.apiModels.create(request.body);
      await deps.sync.reload();
      return reply.code(201).send(created);
    },
  );

  app.get<IdParams>(
    '/api-models/:id',
    { schema: { tags, operationId: 'getApiModel', summary: 'Get an API model', params: idParamsSchema, response: { 200: ref('ApiModel'), ...errorResponses(401, 403, 404) } } },
    async (request) => toView(await deps.apiModels.find(request.params.id)),
  );

  app.put<IdParams & { Body: ApiModelInput }>(
    '/api-models/:id',
    {
      schema: {
        tags,
        operationId: 'updateApiModel',
        summary: 'Replace an API model',
        description: 'Omit `api_key` to keep the stored key; send null to clear it.',
        params: idParamsSchema,
        body: ref('ApiModelInput'),
        response: { 200: ref('ApiModel'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const updated = await deps.apiModels.update(request.params.id, request.body);
      await deps.sync.reload();
      return updated;
    },
  );

  app.delete<IdParams>(
    '/api-models/:id',
    { schema: { tags, operationId: 'deleteApiModel', summary: 'Delete an API model', params: idParamsSchema, response: { 200: ref('ApiModelDeleted'), ...errorResponses(401, 403, 404) } } },
    async (request) => {
      const removed = await deps.apiModels.remove(request.params.id);
      await deps.sync.reload();
      return { id: removed.id, object: 'api_model.deleted', deleted: true };
    },
  );
}
