// /v1/chat/completions and /v1/embeddings: model-routed pass-through to `openai`-format API
// models, or in-process inference for local (llama.cpp) aliases.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { planFor } from '../../pipeline/plan.js';
import { bodyModel, resolveModelFor } from '../../pipeline/resolve.js';
import { requestContext, takeOver } from '../http-client.js';
import type { OpenAiSurfaceDeps } from './deps.js';
import { documented } from './documented.js';
import { renderError } from './errors.js';
import { serveLocalChat, serveLocalEmbeddings } from './local.js';
import { rawQuery } from './query.js';
import { chatDocs, embeddingsDocs } from './schemas/routes.js';

export function completionsRoutes(app: FastifyInstance, deps: OpenAiSurfaceDeps): void {
  const routed = (endpoint: 'chat' | 'embeddings', path: string) => {
    const route = `/v1${path}`;
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const model = bodyModel(request.body, request.rawBody);
      const resolved = resolveModelFor(deps.registry, endpoint, model, request.token);
      if (resolved.kind === 'local') {
        return endpoint === 'chat' ? serveLocalChat(deps, request, reply, resolved) : serveLocalEmbeddings(deps, request, reply, resolved);
      }
      request.recordsItself = true;
      const ctx = requestContext(request, reply);
      await deps.pipeline.run(
        ctx,
        { route, endpoint, targets: planFor(resolved, request.rawBody!), model, path, query: rawQuery(request.url) },
        takeOver(reply, renderError),
      );
    };
  };
  app.post('/chat/completions', documented(chatDocs), routed('chat', '/chat/completions'));
  app.post('/embeddings', documented(embeddingsDocs), routed('embeddings', '/embeddings'));
}
