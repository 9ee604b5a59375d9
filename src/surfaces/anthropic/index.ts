// The Anthropic surface: Messages (and count_tokens) at /v1/messages and /anthropic/v1/messages,
// and the model list at /anthropic/v1/models, as Anthropic's SDKs and Claude Code speak them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RefreshOnMiss } from '../auth-hook.js';
import type { OpenAiSurfaceDeps } from '../openai/deps.js';
import { documented } from '../openai/documented.js';
import { refreshUnknownModels } from '../openai/model-refresh.js';
import { messagesRoutes } from './messages.js';
import { anthropicModel, anthropicModelList } from './models.js';
import { anthropicModelsDocs } from './schemas.js';

export { renderAnthropicError } from './errors.js';

/** The top-level body fields these routes read. */
export const ANTHROPIC_BODY_FIELDS: readonly string[] = ['model'];

/** Anthropic's clients send the token as `x-api-key` (SDK 0.x, Claude Code) or as a Bearer token (SDK 1.x). */
export function anthropicCredential(request: FastifyRequest): string | undefined {
  if (request.headers.authorization) return request.headers.authorization;
  const key = request.headers['x-api-key'];
  return typeof key === 'string' && key ? `Bearer ${key}` : undefined;
}

export type AnthropicSurfaceDeps = OpenAiSurfaceDeps;

/** Registers the routes in a scope (no prefix) whose auth and body parsing are already set up. */
export function anthropicRoutes(scope: FastifyInstance, deps: AnthropicSurfaceDeps, refresh: RefreshOnMiss): void {
  scope.addHook('preHandler', refreshUnknownModels(deps.registry, refresh));
  messagesRoutes(scope, deps, '');
  messagesRoutes(scope, deps, '/anthropic');
  scope.get('/anthropic/v1/models', documented({ ...anthropicModelsDocs.list, operationId: 'anthropicListModels' }), async (request) =>
    anthropicModelList(deps.registry, request.token, request.query as Record<string, unknown>),
  );
  scope.get<{ Params: { '*': string } }>('/anthropic/v1/models/*', documented({ ...anthropicModelsDocs.retrieve, operationId: 'anthropicRetrieveModel' }), async (request) =>
    anthropicModel(deps.registry, request.token, request.params['*']),
  );
}
