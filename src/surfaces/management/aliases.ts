// /bodhi/v1/aliases: admin CRUD over local aliases (GGUF models served by llama.cpp).
import type { FastifyInstance } from 'fastify';
import { toLocalAliasView, type LocalAliasInput } from '../../models/local-alias-service.js';
import type { Gateway } from '../../app/gateway.js';
import { errorResponses, ref } from '../error-schema.js';
import { idParamsSchema } from './schemas.js';

type IdParams = { Params: { id: string } };
const tags = ['Local aliases'];

export function localAliasRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get(
    '/aliases',
    { schema: { tags, operationId: 'listLocalAliases', summary: 'List local (llama.cpp) aliases', response: { 200: ref('LocalAliasList'), ...errorResponses(401, 403) } } },
    async () => ({ object: 'list', data: await gw.localAliases.list() }),
  );

  app.post<{ Body: LocalAliasInput }>(
    '/aliases',
    {
      schema: {
        tags,
        operationId: 'createLocalAlias',
        summary: 'Add a local alias for a GGUF model file on the gateway host',
        body: ref('LocalAliasInput'),
        response: { 201: { description: 'Created', ...ref('LocalAlias') }, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const created = await gw.localAliases.create(request.body);
      await gw.sync.reload();
      return reply.code(201).send(created);
    },
  );

  app.get<IdParams>(
    '/aliases/:id',
    { schema: { tags, operationId: 'getLocalAlias', summary: 'Get a local alias', params: idParamsSchema, response: { 200: ref('LocalAlias'), ...errorResponses(401, 403, 404) } } },
    async (request) => toLocalAliasView(await gw.localAliases.find(request.params.id)),
  );

  app.put<IdParams & { Body: LocalAliasInput }>(
    '/aliases/:id',
    {
      schema: {
        tags,
        operationId: 'updateLocalAlias',
        summary: 'Replace a local alias',
        params: idParamsSchema,
        body: ref('LocalAliasInput'),
        response: { 200: ref('LocalAlias'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const updated = await gw.localAliases.update(request.params.id, request.body);
      await gw.sync.reload();
      return updated;
    },
  );

  app.delete<IdParams>(
    '/aliases/:id',
    {
      schema: { tags, operationId: 'deleteLocalAlias', summary: 'Remove a local alias', params: idParamsSchema, response: { 200: ref('LocalAliasDeleted'), ...errorResponses(401, 403, 404) } },
    },
    async (request) => {
      const removed = await gw.localAliases.remove(request.params.id);
      await gw.sync.reload();
      return { id: removed.id, object: 'local_alias.deleted', deleted: true };
    },
  );
}
