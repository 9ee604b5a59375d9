// The Anthropic surface: Messages (and count_tokens) at /v1/messages and /anthropic/v1/messages,
// and the model list at /anthropic/v1/models, as Anthropic's SDKs and Claude Code speak them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RefreshOnMiss } from '../auth-hook.js';
import type { OpenAiSurfaceDeps } from '../openai/deps.js';

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

export function anthropicRoutes(_scope: FastifyInstance, _deps: AnthropicSurfaceDeps, _refresh: RefreshOnMiss): void {}
