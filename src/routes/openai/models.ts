// GET /v1/models and /v1/models/{id}: what the calling token can use, in OpenAI's list shape,
// with a `bodhi` extension saying which API model (and format) serves each id.
import type { FastifyInstance } from 'fastify';
import type { AuthToken } from '../../auth/token-cache.js';
import { GatewayError } from '../../errors.js';
import type { Listed } from '../../models/registry.js';
import type { Gateway } from '../../server/gateway.js';
import { modelAccessDenied } from './model-routing.js';
import { documented } from './documented.js';
import { modelsDocs } from './schemas/routes.js';

export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  bodhi: { kind: 'api'; api_model: string; api_format: string };
}

const toModelObject = ({ id, apiModel }: Listed): ModelObject => ({
  id,
  object: 'model',
  created: Math.floor(apiModel.createdAt / 1000),
  owned_by: apiModel.apiFormat,
  bodhi: { kind: 'api', api_model: apiModel.name, api_format: apiModel.apiFormat },
});

const visibleTo = (token: AuthToken | null) => (l: Listed) => !token?.allowedModels || token.allowedModels.has(l.id);

export function modelsRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get('/models', documented(modelsDocs.list), async (request) => ({
    object: 'list',
    data: gw.registry.list().filter(visibleTo(request.token)).map(toModelObject),
  }));

  app.get<{ Params: { '*': string } }>('/models/*', documented(modelsDocs.retrieve), async (request) => {
    const id = request.params['*'];
    const found = gw.registry.list().find((l) => l.id === id);
    if (!found) throw new GatewayError(404, 'invalid_request_error', `The model '${id}' does not exist`, 'model', 'model_not_found');
    // Same answer as every other /v1 route for a model outside the token's allow-list.
    if (!visibleTo(request.token)(found)) throw modelAccessDenied(id);
    return toModelObject(found);
  });
}
