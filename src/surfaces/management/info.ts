import type { FastifyInstance } from 'fastify';
import { tokenState } from '../../auth/token-service.js';
import type { Config } from '../../config.js';
import type { Store } from '../../store/types.js';
import { errorResponses, ref } from '../error-schema.js';

export interface InfoRoutesDeps {
  version: string;
  config: Pick<Config, 'home' | 'workers'>;
  /** This worker's number under `bodhi serve --workers N`. */
  worker: number | undefined;
  store: Pick<Store, 'listApiModels' | 'listTokens' | 'kind' | 'location'>;
}

export function infoRoutes(app: FastifyInstance, deps: InfoRoutesDeps): void {
  app.get(
    '/info',
    { schema: { tags: ['Server'], operationId: 'getInfo', summary: 'Version, data dir, database and counts', response: { 200: ref('Info'), ...errorResponses(401, 403) } } },
    async () => {
      const [models, tokens] = await Promise.all([deps.store.listApiModels(), deps.store.listTokens()]);
      const now = Date.now();
      return {
        version: deps.version,
        data_dir: deps.config.home,
        database: { kind: deps.store.kind, location: deps.store.location },
        // Which process answered: with --workers N, one of N behind the same port.
        process: { pid: process.pid, worker: deps.worker ?? null, workers: deps.config.workers },
        counts: {
          api_models: models.length,
          tokens: tokens.length,
          active_tokens: tokens.filter((t) => tokenState(t, now) === 'active').length,
        },
      };
    },
  );
}
