// /bodhi/v1/routers: admin CRUD over routers. Each target shows its live health as this
// instance sees it (health and cooldowns are kept per instance).
import type { FastifyInstance } from 'fastify';
import type { RouterInput, RouterService, RouterView } from '../../models/router-service.js';
import type { ConfigSync } from '../../state/config-sync.js';
import type { ModelRegistry } from '../../state/registry.js';
import type { RouterHealth } from '../../state/router-health.js';
import { errorResponses, ref } from '../error-schema.js';
import { idParamsSchema } from './schemas.js';

type IdParams = { Params: { id: string } };
const tags = ['Routers'];

export interface RouterRoutesDeps {
  routers: RouterService;
  registry: Pick<ModelRegistry, 'routers'>;
  routerHealth: Pick<RouterHealth, 'view'>;
  /** Reloaded after a change, so it is routed at once. */
  sync: Pick<ConfigSync, 'reload'>;
}

/** The view with each target's health from the loaded router (healthy until it fails). */
function withHealth(deps: RouterRoutesDeps, view: RouterView) {
  const live = deps.registry.routers().find((r) => r.id === view.id);
  const health = live ? deps.routerHealth.view(live) : [];
  return {
    ...view,
    targets: view.targets.map((t) => {
      const h = health.find((x) => x.target === `${t.api_model}/${t.model}`);
      return { ...t, healthy: h?.healthy ?? true, cooling_until: h?.cooling_until ?? null, recent_failures: h?.recent_failures ?? 0 };
    }),
  };
}

export function routerRoutes(app: FastifyInstance, deps: RouterRoutesDeps): void {
  app.get(
    '/routers',
    { schema: { tags, operationId: 'listRouters', summary: 'List routers', response: { 200: ref('RouterList'), ...errorResponses(401, 403) } } },
    async () => ({ object: 'list', data: (await deps.routers.list()).map((v) => withHealth(deps, v)) }),
  );

  app.post<{ Body: RouterInput }>(
    '/routers',
    {
      schema: {
        tags,
        operationId: 'createRouter',
        summary: 'Add a router: one model name over several API models',
        body: { ...ref('RouterInput') },
        response: { 201: { description: 'Created', ...ref('Router') }, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const created = await deps.routers.create(request.body);
      await deps.sync.reload();
      return reply.code(201).send(withHealth(deps, created));
    },
  );

  app.get<IdParams>(
    '/routers/:id',
    { schema: { tags, operationId: 'getRouter', summary: 'Get a router (by id or name)', params: idParamsSchema, response: { 200: ref('Router'), ...errorResponses(401, 403, 404) } } },
    async (request) => withHealth(deps, await deps.routers.view(await deps.routers.find(request.params.id))),
  );

  app.put<IdParams & { Body: RouterInput }>(
    '/routers/:id',
    {
      schema: {
        tags,
        operationId: 'updateRouter',
        summary: 'Change a router: the fields given replace their values (targets as a whole list)',
        params: idParamsSchema,
        body: ref('RouterInput'),
        response: { 200: ref('Router'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const updated = await deps.routers.update(request.params.id, request.body);
      await deps.sync.reload();
      return withHealth(deps, updated);
    },
  );

  app.delete<IdParams>(
    '/routers/:id',
    { schema: { tags, operationId: 'deleteRouter', summary: 'Remove a router', params: idParamsSchema, response: { 200: ref('RouterDeleted'), ...errorResponses(401, 403, 404) } } },
    async (request) => {
      const removed = await deps.routers.remove(request.params.id);
      await deps.sync.reload();
      return { id: removed.id, object: 'router.deleted', deleted: true };
    },
  );
}
