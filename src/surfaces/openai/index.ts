// The OpenAI surface: /v1 Responses, Chat Completions, Embeddings and Models, as OpenAI's
// SDKs and agents speak them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RefreshOnMiss } from '../auth-hook.js';
import { completionsRoutes } from './chat.js';
import type { OpenAiSurfaceDeps } from './deps.js';
import { refreshUnknownModels } from './model-refresh.js';
import { modelsRoutes } from './models.js';
import { responsesRoutes } from './responses.js';
import { responsesWebSocketRoute, subprotocolCredential } from './responses-ws.js';

/**
 * The top-level body fields these routes read: `model` (routing), `store` (routing records),
 * `previous_response_id` and `conversation` (a router keeps a conversation on one target).
 */
export const OPENAI_BODY_FIELDS: readonly string[] = ['model', 'store', 'previous_response_id', 'conversation'];

export type { OpenAiSurfaceDeps };

/**
 * OpenAI's clients send `Authorization: Bearer <token>` (browsers opening a WebSocket: the
 * subprotocol `openai-insecure-api-key.<token>`). An Anthropic client (it sends
 * `anthropic-version`) pointed at the gateway root lists models here with its `x-api-key`.
 */
export function openaiCredential(request: FastifyRequest): string | undefined {
  if (request.headers.authorization) return request.headers.authorization;
  const protocols = request.headers['sec-websocket-protocol'];
  if (protocols) return subprotocolCredential(protocols);
  const key = request.headers['x-api-key'];
  return request.headers['anthropic-version'] !== undefined && typeof key === 'string' && key ? `Bearer ${key}` : undefined;
}

/** Registers the routes in a scope whose auth and body parsing are already set up. */
export function openaiRoutes(v1: FastifyInstance, deps: OpenAiSurfaceDeps, refresh: RefreshOnMiss): void {
  v1.addHook('preHandler', refreshUnknownModels(deps.registry, refresh));
  responsesRoutes(v1, deps);
  responsesWebSocketRoute(v1, { sessions: deps.websocketSessions, config: deps.websocketConfig, credential: openaiCredential });
  completionsRoutes(v1, deps);
  modelsRoutes(v1, deps);
}
