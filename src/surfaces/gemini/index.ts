// The Gemini surface: /v1beta/models/{model}:{method} and the model list, as Google's SDKs speak them.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { unknownUrl } from '../../errors/catalogue.js';
import type { RefreshOnMiss } from '../auth-hook.js';
import type { OpenAiSurfaceDeps } from '../openai/deps.js';
import { geminiCallRoutes } from './calls.js';
import { renderGeminiError } from './errors.js';
import { geminiModelRoutes } from './models.js';

export { renderGeminiError };

/** Google's clients send the key as `x-goog-api-key` (@google/genai), `?key=`, or a Bearer token. */
export function geminiCredential(request: FastifyRequest): string | undefined {
  if (request.headers.authorization) return request.headers.authorization;
  const header = request.headers['x-goog-api-key'];
  if (typeof header === 'string' && header) return `Bearer ${header}`;
  const key = (request.query as { key?: unknown } | undefined)?.key;
  return typeof key === 'string' && key ? `Bearer ${key}` : undefined;
}

export type GeminiSurfaceDeps = OpenAiSurfaceDeps;

export function geminiRoutes(scope: FastifyInstance, deps: GeminiSurfaceDeps, refresh: RefreshOnMiss): void {
  geminiCallRoutes(scope, deps, refresh);
  geminiModelRoutes(scope, deps, refresh);
  // Anything else below /v1beta is a 404 in Google's envelope.
  scope.setNotFoundHandler((request, reply) => {
    const { status, headers, body } = renderGeminiError(unknownUrl(request.method, request.url));
    void reply.code(status).headers(headers).send(body);
  });
}
