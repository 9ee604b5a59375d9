// /bodhi/v1/tokens: admin management of gateway tokens. The token value appears once, in the
// create response.
import type { FastifyInstance } from 'fastify';
import type { LastUsedRecorder } from '../../auth/last-used.js';
import { toTokenView, type TokenInput, type TokenService } from '../../auth/token-service.js';
import type { ConfigSync } from '../../state/config-sync.js';
import { errorResponses, ref } from '../error-schema.js';
import { idParamsSchema } from './schemas.js';

type IdParams = { Params: { id: string } };
const tags = ['Tokens'];

export interface TokenRoutesDeps {
  tokenService: TokenService;
  /** A last-used time not yet written to the store. */
  lastUsed: Pick<LastUsedRecorder, 'pendingFor'>;
  /** Reloaded after a change, so a new or revoked token counts at once. */
  sync: Pick<ConfigSync, 'reload'>;
}

export function tokenRoutes(app: FastifyInstance, deps: TokenRoutesDeps): void {
  app.get(
    '/tokens',
    { schema: { tags, operationId: 'listTokens', summary: 'List tokens (never their values)', response: { 200: ref('TokenList'), ...errorResponses(401, 403) } } },
    async () => ({ object: 'list', data: await deps.tokenService.list() }),
  );

  app.post<{ Body: TokenInput }>(
    '/tokens',
    {
      schema: {
        tags,
        operationId: 'createToken',
        summary: 'Create a token',
        description: 'The response carries the token value: it is shown this once.',
        body: ref('TokenInput'),
        response: { 201: { description: 'Created', ...ref('TokenCreated') }, ...errorResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const { token, view } = await deps.tokenService.create(request.body);
      await deps.sync.reload();
      return reply.code(201).send({ ...view, token });
    },
  );

  app.get<IdParams>(
    '/tokens/:id',
    { schema: { tags, operationId: 'getToken', summary: 'Get a token', params: idParamsSchema, response: { 200: ref('Token'), ...errorResponses(401, 403, 404) } } },
    async (request) => {
      const t = await deps.tokenService.find(request.params.id);
      return toTokenView(t, deps.lastUsed.pendingFor(t.id));
    },
  );

  app.put<IdParams & { Body: TokenInput }>(
    '/tokens/:id',
    {
      schema: {
        tags,
        operationId: 'updateToken',
        summary: 'Change a token (name, scope, status, limits)',
        params: idParamsSchema,
        body: ref('TokenUpdate'),
        response: { 200: ref('Token'), ...errorResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const updated = await deps.tokenService.update(request.params.id, request.body);
      await deps.sync.reload();
      return updated;
    },
  );

  /** Revokes (the row stays, for the audit trail). */
  app.delete<IdParams>(
    '/tokens/:id',
    {
      schema: {
        tags,
        operationId: 'revokeToken',
        summary: 'Revoke a token',
        description: 'Effective at once on this server, within a second on others. The token stays listed as revoked.',
        params: idParamsSchema,
        response: { 200: ref('Token'), ...errorResponses(401, 403, 404) },
      },
    },
    async (request) => {
      const revoked = await deps.tokenService.revoke(request.params.id);
      await deps.sync.reload();
      return revoked;
    },
  );
}
