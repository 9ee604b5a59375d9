// /bodhi/v1/aliases: admin CRUD over local aliases (GGUF models served by llama.cpp).
import type { FastifyInstance } from 'fastify';
import { toLocalAliasView, validModelFile, type LocalAliasInput, type LocalAliasService } from '../../models/local-alias-service.js';
import type { ConfigSync } from '../../state/config-sync.js';
import { errorResponses, ref } from '../error-schema.js';
import { idParamsSchema } from './schemas.js';

type IdParams = { Params: { id: string } };
const tags = ['Local aliases'];

export interface LocalAliasRoutesDeps {
  localAliases: LocalAliasService;
  sync: Pick<ConfigSync, 'reload'>;
}

export function localAliasRoutes(app: FastifyInstance, deps: LocalAliasRoutesDeps): void {
  app.get(
    '/aliases',
    { schema: { tags, operationId: 'listLocalAliases', summary: 'List local (llama.cpp) aliases', response: { 200: ref('LocalAliasList'), ...errorResponses(401, 403) } } },
    async () => ({ object: 'list', data: await deps.localAliases.list() }),
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
      const created = await deps.localAliases.create(request.body);
      await deps.sync.reload();
      return reply.code(201).send(created);
    },
  );

  /** The model file check alone, as create runs it: the web UI asks it when the field loses focus. */
  app.post<{ Body: { model_file?: unknown } }>(
    '/aliases/check-file',
    {
      schema: {
        tags,
        operationId: 'checkLocalAliasFile',
        summary: 'Check a model file without adding an alias',
        description: 'Runs the same check as creating a local alias: the path (resolved on the gateway host) must be a readable GGUF model. A failure is a 400 on `model_file`.',
        body: ref('LocalAliasFileCheck'),
        response: { 200: ref('LocalAliasFileChecked'), ...errorResponses(400, 401, 403) },
      },
    },
    async (request) => ({ object: 'local_alias.file_check', model_file: await validModelFile(request.body.model_file), valid: true }),
  );

  app.get<IdParams>(
    '/aliases/:id',
    { schema: { tags, operationId: 'getLocalAlias', summary: 'Get a local alias', params: idParamsSchema, response: { 200: ref('LocalAlias'), ...errorResponses(401, 403, 404) } } },
    async (request) => toLocalAliasView(await deps.localAliases.find(request.params.id)),
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
      const updated = await deps.localAliases.update(request.params.id, request.body);
      await deps.sync.reload();
      return updated;
    },
  );

  app.delete<IdParams>(
    '/aliases/:id',
    {
      schema: { tags, operationId: 'deleteLocalAlias', summary: 'Remove a local alias', params: idParamsSchema, response: { 200: ref('LocalAliasDeleted'), ...errorResponses(401, 403, 404) } },
    },
    async (request) => {
      const removed = await deps.localAliases.remove(request.params.id);
      await deps.sync.reload();
      return { id: removed.id, object: 'local_alias.deleted', deleted: true };
    },
  );
}
