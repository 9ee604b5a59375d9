// /bodhi/v1/tokens: admin management of gateway tokens. The token value appears once, in the
// create response.
import type { FastifyInstance } from 'fastify';
import { toTokenView, type TokenInput } from '../../auth/token-service.js';
import type { Gateway } from '../../server/gateway.js';
import { idParamsSchema, tokenInputSchema, tokenUpdateSchema } from './schemas.js';

type IdParams = { Params: { id: string } };

export function tokenRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get('/tokens', async () => ({ object: 'list', data: await gw.tokenService.list() }));

  app.post<{ Body: TokenInput }>('/tokens', { schema: { body: tokenInputSchema } }, async (request, reply) => {
    const { token, view } = await gw.tokenService.create(request.body);
    await gw.sync.reload();
    return reply.code(201).send({ ...view, token });
  });

  app.get<IdParams>('/tokens/:id', { schema: { params: idParamsSchema } }, async (request) => {
    const t = await gw.tokenService.find(request.params.id);
    return toTokenView(t, gw.lastUsed.pendingFor(t.id));
  });

  app.put<IdParams & { Body: TokenInput }>('/tokens/:id', { schema: { params: idParamsSchema, body: tokenUpdateSchema } }, async (request) => {
    const updated = await gw.tokenService.update(request.params.id, request.body);
    await gw.sync.reload();
    return updated;
  });

  /** Revokes (the row stays, for the audit trail). */
  app.delete<IdParams>('/tokens/:id', { schema: { params: idParamsSchema } }, async (request) => {
    const revoked = await gw.tokenService.revoke(request.params.id);
    await gw.sync.reload();
    return revoked;
  });
}
