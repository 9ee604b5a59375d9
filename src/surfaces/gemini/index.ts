// The Gemini surface: /v1beta/models/{model}:{method} and the model list, as Google's SDKs speak them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RefreshOnMiss } from '../auth-hook.js';
import type { OpenAiSurfaceDeps } from '../openai/deps.js';

export { renderGeminiError } from './errors.js';

/** Google's clients send the key as `x-goog-api-key` (@google/genai), `?key=`, or a Bearer token. */
export function geminiCredential(request: FastifyRequest): string | undefined {
  if (request.headers.authorization) return request.headers.authorization;
  const header = request.headers['x-goog-api-key'];
  if (typeof header === 'string' && header) return `Bearer ${header}`;
  const key = (request.query as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' && key ? `Bearer ${key}` : undefined;
}

export type GeminiSurfaceDeps = OpenAiSurfaceDeps;

export function geminiRoutes(_scope: FastifyInstance, _deps: GeminiSurfaceDeps, _refresh: RefreshOnMiss): void {}
