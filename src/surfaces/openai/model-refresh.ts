// A /v1 preHandler: a request naming a model no API model or alias serves (in the body, in
// `?model=`, or as /v1/models/{id}) waits for a fresh look at the store before its route
// resolves it, so a model added a moment ago by the CLI or another instance is found. Known
// models pass straight through (one map lookup); the sync bounds how often misses reach the
// store (ConfigSync.refreshOnMiss).
import type { preHandlerHookHandler } from 'fastify';
import type { RefreshOnMiss } from '../auth-hook.js';
import type { ModelRegistry } from '../../state/registry.js';
import { rawQuery, takeModelParam } from './query.js';

function namedModel(body: unknown, url: string, params: unknown): string | undefined {
  const model = (body as { model?: unknown } | null | undefined)?.model;
  if (typeof model === 'string') return model;
  const id = (params as { '*'?: unknown } | undefined)?.['*'];
  if (typeof id === 'string' && url.startsWith('/v1/models/')) return id;
  return takeModelParam(rawQuery(url)).model;
}

export function refreshUnknownModels(registry: ModelRegistry, refresh: RefreshOnMiss): preHandlerHookHandler {
  return function refreshOnUnknownModel(request, _reply, done) {
    const model = namedModel(request.body, request.url, request.params);
    if (!model || registry.serves(model)) return done();
    refresh().then(
      () => done(),
      () => done(),
    );
  };
}
