// /bodhi/v1/aliases: admin CRUD over local aliases (GGUF models served by llama.cpp).
import type { FastifyInstance } from 'fastify';
import { toLocalAliasView, type LocalAliasInput } from '../../models/local-alias-service.js';
import type { Gateway } from '../../server/gateway.js';
import { localAliasInputSchema } from './alias-schemas.js';
import { idParamsSchema } from './schemas.js';

type IdParams = { Params: { id: string } };

export function localAliasRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get('/aliases', async () => ({ object: 'list', data: await gw.localAliases.list() }));

  app.post<{ Body: LocalAliasInput }>('/aliases', { schema: { body: localAliasInputSchema } }, async (request, reply) => {
    const created = await gw.localAliases.create(request.body);
    await gw.sync.reload();
    return reply.code(201).send(created);
  });

  app.get<IdParams>('/aliases/:id', { schema: { params: idParamsSchema } }, async (request) => {
    return toLocalAliasView(await gw.localAliases.find(request.params.id));
  });

  app.put<IdParams & { Body: LocalAliasInput }>('/aliases/:id', { schema: { params: idParamsSchema, body: localAliasInputSchema } }, async (request) => {
    const updated = await gw.localAliases.update(request.params.id, request.body);
    await gw.sync.reload();
    return updated;
  });

  app.delete<IdParams>('/aliases/:id', { schema: { params: idParamsSchema } }, async (request) => {
    const removed = await gw.localAliases.remove(request.params.id);
    await gw.sync.reload();
    return { id: removed.id, object: 'local_alias.deleted', deleted: true };
  });
}
