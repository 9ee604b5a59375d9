// GET /bodhi/v1/models: every model id the gateway routes (forward-all prefixes included),
// with the API model and format that serve it. What the web UI's Models page shows.
import type { FastifyInstance } from 'fastify';
import type { Gateway } from '../../server/gateway.js';
import { errorResponses, ref } from '../error-schema.js';

export interface CallableModel {
  id: string;
  kind: 'api';
  match: 'exact' | 'prefix';
  api_format: string;
  api_model: { id: string; name: string };
  upstream_model: string | null;
}

export function callableModels(gw: Gateway): CallableModel[] {
  const exact: CallableModel[] = gw.registry.list().map(({ id, apiModel }) => ({
    id,
    kind: 'api',
    match: 'exact',
    api_format: apiModel.apiFormat,
    api_model: { id: apiModel.id, name: apiModel.name },
    upstream_model: apiModel.prefix && id.startsWith(apiModel.prefix) ? id.slice(apiModel.prefix.length) : id,
  }));
  const prefixes: CallableModel[] = gw.registry
    .apiModels()
    .filter((m) => m.forwardAll && m.prefix)
    .map((m) => ({ id: `${m.prefix}*`, kind: 'api', match: 'prefix', api_format: m.apiFormat, api_model: { id: m.id, name: m.name }, upstream_model: null }));
  return [...exact, ...prefixes];
}

export function callableModelRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get(
    '/models',
    {
      schema: {
        tags: ['Models'],
        operationId: 'listCallableModels',
        summary: 'Every model the gateway routes',
        description: 'Unlike GET /v1/models, also lists forward-all prefixes, and ignores token allow-lists.',
        response: { 200: ref('CallableModelList'), ...errorResponses(401, 403) },
      },
    },
    async () => ({ object: 'list', data: callableModels(gw) }),
  );
}
