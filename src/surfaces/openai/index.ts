// The OpenAI surface: /v1 Responses, Chat Completions, Embeddings and Models, as OpenAI's
// SDKs and agents speak them.
import type { FastifyInstance } from 'fastify';
import type { RefreshOnMiss } from '../auth-hook.js';
import { completionsRoutes } from './chat.js';
import type { OpenAiSurfaceDeps } from './deps.js';
import { refreshUnknownModels } from './model-refresh.js';
import { modelsRoutes } from './models.js';
import { responsesRoutes } from './responses.js';

/** The top-level body fields these routes read: `model` (routing) and `store` (routing records). */
export const OPENAI_BODY_FIELDS: readonly string[] = ['model', 'store'];

export type { OpenAiSurfaceDeps };

/** Registers the routes in a scope whose auth and body parsing are already set up. */
export function openaiRoutes(v1: FastifyInstance, deps: OpenAiSurfaceDeps, refresh: RefreshOnMiss): void {
  v1.addHook('preHandler', refreshUnknownModels(deps.registry, refresh));
  responsesRoutes(v1, deps);
  completionsRoutes(v1, deps);
  modelsRoutes(v1, deps);
}
