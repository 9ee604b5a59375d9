// GET /bodhi/v1/models: every model id the gateway routes (forward-all prefixes and local
// llama.cpp aliases included), with what serves it. What the web UI's Models page shows.
import { basename } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { ModelRegistry } from '../../state/registry.js';
import { errorResponses, ref } from '../error-schema.js';

export interface CallableModel {
  id: string;
  kind: 'api' | 'local' | 'router';
  match: 'exact' | 'prefix';
  /** null for a local alias. */
  api_format: string | null;
  /** Set for a router: its targets as `api model/upstream model`. */
  router?: { id: string; targets: string[] };
  /** null for a local alias. */
  api_model: { id: string; name: string } | null;
  upstream_model: string | null;
  /** null for an API-served model. */
  local_alias: { id: string; model_file: string; context_size: number | null } | null;
}

export interface CallableModelRoutesDeps {
  registry: Pick<ModelRegistry, 'list' | 'localAliases' | 'apiModels'>;
}

/** In resolution order: exact API ids, then local aliases, then routers, then forward-all prefixes. */
export function callableModels(deps: CallableModelRoutesDeps): CallableModel[] {
  const listed = deps.registry.list();
  const exact: CallableModel[] = listed
    .filter((l) => !l.router)
    .map(({ id, apiModel }) => ({
      id,
      kind: 'api',
      match: 'exact',
      api_format: apiModel.apiFormat,
      api_model: { id: apiModel.id, name: apiModel.name },
      upstream_model: apiModel.prefix && id.startsWith(apiModel.prefix) ? id.slice(apiModel.prefix.length) : id,
      local_alias: null,
    }));
  const routers: CallableModel[] = listed
    .filter((l) => l.router)
    .map(({ id, apiModel, router }) => ({
      id,
      kind: 'router',
      match: 'exact',
      api_format: apiModel.apiFormat,
      api_model: null,
      upstream_model: null,
      local_alias: null,
      router: { id: router!.id, targets: router!.targets.map((t) => t.label) },
    }));
  // The file's name, as /v1/models shows it; the full path is in /bodhi/v1/aliases.
  const locals: CallableModel[] = deps.registry.localAliases().map((a) => ({
    id: a.name,
    kind: 'local',
    match: 'exact',
    api_format: null,
    api_model: null,
    upstream_model: null,
    local_alias: { id: a.id, model_file: basename(a.modelFile), context_size: a.contextSize },
  }));
  const prefixes: CallableModel[] = deps.registry
    .apiModels()
    .filter((m) => m.forwardAll && m.prefix)
    .map((m) => ({
      id: `${m.prefix}*`,
      kind: 'api',
      match: 'prefix',
      api_format: m.apiFormat,
      api_model: { id: m.id, name: m.name },
      upstream_model: null,
      local_alias: null,
    }));
  return [...exact, ...locals, ...routers, ...prefixes];
}

export function callableModelRoutes(app: FastifyInstance, deps: CallableModelRoutesDeps): void {
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
    async () => ({ object: 'list', data: callableModels(deps) }),
  );
}
