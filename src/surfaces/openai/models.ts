// GET /v1/models and /v1/models/{id}: what the calling token can call through the OpenAI
// routes, in OpenAI's list shape, with a `bodhi` extension saying what serves each id: an API
// model (and its format), or a local llama.cpp alias (`owned_by: "local"`). An Anthropic client
// (it sends `anthropic-version`; Claude Code's model discovery) gets the anthropic-format models
// in Anthropic's shape instead.
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors/catalogue.js';
import type { Listed, LiveLocalAlias } from '../../state/registry.js';
import type { ModelRegistry } from '../../state/registry.js';
import { documented } from './documented.js';
import { mayUse, modelAccessDenied } from '../../pipeline/resolve.js';
import { modelsDocs } from './schemas/routes.js';
import { anthropicModel, anthropicModelList, isAnthropicClient } from '../anthropic/models.js';

export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  bodhi:
    | { kind: 'api'; api_model: string; api_format: string }
    | { kind: 'router'; router: string; api_format: string; targets: string[] }
    | { kind: 'local'; model_file: string; context_size: number | null };
}

const toModelObject = ({ id, apiModel, router }: Listed): ModelObject => ({
  id,
  object: 'model',
  created: Math.floor((router ?? apiModel).createdAt / 1000),
  owned_by: apiModel.apiFormat,
  bodhi: router
    ? { kind: 'router', router: router.name, api_format: apiModel.apiFormat, targets: router.targets.map((t) => t.label) }
    : { kind: 'api', api_model: apiModel.name, api_format: apiModel.apiFormat },
});

// Clients see the file's name, not where it lives on the server.
const localModelObject = (local: LiveLocalAlias): ModelObject => ({
  id: local.name,
  object: 'model',
  created: Math.floor(local.createdAt / 1000),
  owned_by: 'local',
  bodhi: { kind: 'local', model_file: basename(local.modelFile), context_size: local.contextSize },
});


/** Anthropic and Gemini models have their own surfaces and are not callable here. */
const OPENAI_ENDPOINTS = new Set(['chat', 'embeddings', 'responses']);
const callableHere = ({ apiModel }: Listed) => apiModel.provider.endpoints.some((e) => OPENAI_ENDPOINTS.has(e));

/** Every model id the OpenAI routes serve, API and local. */
function allModels(gw: { registry: ModelRegistry }): ModelObject[] {
  return [...gw.registry.list().filter(callableHere).map(toModelObject), ...gw.registry.localAliases().map(localModelObject)];
}

export function modelsRoutes(app: FastifyInstance, gw: { registry: ModelRegistry }): void {
  app.get('/models', documented(modelsDocs.list), async (request) => {
    if (isAnthropicClient(request.headers)) return anthropicModelList(gw.registry, request.token, request.query as Record<string, unknown>);
    return { object: 'list', data: allModels(gw).filter((m) => mayUse(request.token, m.id)) };
  });

  app.get<{ Params: { '*': string } }>('/models/*', documented(modelsDocs.retrieve), async (request) => {
    const id = request.params['*'];
    if (isAnthropicClient(request.headers)) return anthropicModel(gw.registry, request.token, id);
    const found = allModels(gw).find((m) => m.id === id);
    if (!found) throw new GatewayError('model_not_found', `The model '${id}' does not exist`, { param: 'model' });
    // Same answer as every other /v1 route for a model outside the token's allow-list.
    if (!mayUse(request.token, id)) throw modelAccessDenied(id);
    return found;
  });
}
