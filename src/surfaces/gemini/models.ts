// GET /v1beta/models and /v1beta/models/{model}: the `gemini`-format models the calling token
// may use, in Gemini's list shape. The gateway knows ids, not Google's model metadata, so an
// entry carries its name and display name only.
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../errors/catalogue.js';
import { checkModelAllowed, mayUse } from '../../pipeline/resolve.js';
import type { ModelRegistry } from '../../state/registry.js';
import type { RefreshOnMiss } from '../auth-hook.js';
import { documented } from '../openai/documented.js';
import { geminiDocs } from './schemas.js';

export interface GeminiModel {
  name: string;
  displayName: string;
  description: string;
}

const toGeminiModel = (id: string, servedBy: string): GeminiModel => ({
  name: `models/${id}`,
  displayName: id,
  description: `Served by ${servedBy}.`,
});

const modelNotFound = (id: string) => notFound(`Model '${id}' not found.`, 'model', 'model_not_found');

export function geminiModelRoutes(scope: FastifyInstance, deps: { registry: ModelRegistry }, refresh: RefreshOnMiss): void {
  scope.get('/models', documented(geminiDocs.list), async (request) => {
    const models = deps.registry
      .list()
      .filter((l) => l.apiModel.apiFormat === 'gemini' && mayUse(request.token, l.id))
      .map((l) => toGeminiModel(l.id, l.router ? `router '${l.router.name}'` : `API model '${l.apiModel.name}'`));
    return { models };
  });

  scope.get<{ Params: { '*': string } }>('/models/*', documented(geminiDocs.retrieve), async (request) => {
    const id = request.params['*'];
    if (!deps.registry.serves(id)) await refresh().catch(() => false);
    const resolved = deps.registry.resolve(id);
    if (resolved?.kind === 'router' && resolved.router.apiFormat === 'gemini') {
      checkModelAllowed(request.token, id);
      return toGeminiModel(id, `router '${resolved.router.name}'`);
    }
    if (resolved?.kind !== 'api' || resolved.apiModel.apiFormat !== 'gemini') throw modelNotFound(id);
    checkModelAllowed(request.token, id);
    return toGeminiModel(id, `API model '${resolved.apiModel.name}'`);
  });
}
