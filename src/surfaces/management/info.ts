import type { FastifyInstance } from 'fastify';
import { tokenState } from '../../auth/token-service.js';
import type { Gateway } from '../../app/gateway.js';
import { errorResponses, ref } from '../error-schema.js';

export function infoRoutes(app: FastifyInstance, gw: Gateway): void {
  app.get(
    '/info',
    { schema: { tags: ['Server'], operationId: 'getInfo', summary: 'Version, data dir, database and counts', response: { 200: ref('Info'), ...errorResponses(401, 403) } } },
    async () => {
      const [models, tokens] = await Promise.all([gw.store.listApiModels(), gw.store.listTokens()]);
      const now = Date.now();
      return {
        version: gw.version,
        data_dir: gw.config.home,
        database: { kind: gw.store.kind, location: gw.store.location },
        counts: {
          api_models: models.length,
          tokens: tokens.length,
          active_tokens: tokens.filter((t) => tokenState(t, now) === 'active').length,
        },
      };
    },
  );
}
