// /v1/chat/completions and /v1/embeddings: model-routed pass-through to `openai`-format API
// models, or in-process inference for local (llama.cpp) aliases.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Gateway } from '../../app/gateway.js';
import { documented } from './documented.js';
import { serveLocalChat, serveLocalEmbeddings } from './local.js';
import { bodyModel, resolveModelFor, upstreamBody } from '../../pipeline/resolve.js';
import { proxy } from '../../pipeline/proxy.js';
import { rawQuery } from './query.js';
import { chatDocs, embeddingsDocs } from './schemas/routes.js';

export function completionsRoutes(app: FastifyInstance, gw: Gateway): void {
  const routed = (endpoint: 'chat' | 'embeddings', path: string) => {
    const pattern = `/v1${path}`;
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const model = bodyModel(request);
      const resolved = resolveModelFor(gw.registry, endpoint, model, request.token);
      if (resolved.kind === 'local') {
        return endpoint === 'chat' ? serveLocalChat(gw, request, reply, resolved) : serveLocalEmbeddings(gw, request, reply, resolved);
      }
      await proxy(gw, request, reply, {
        route: pattern,
        apiModel: resolved.apiModel,
        model,
        path,
        query: rawQuery(request.url),
        body: upstreamBody(request.rawBody!, resolved),
        observe: endpoint === 'chat' ? 'chat' : 'embeddings',
      });
    };
  };
  app.post('/chat/completions', documented(chatDocs), routed('chat', '/chat/completions'));
  app.post('/embeddings', documented(embeddingsDocs), routed('embeddings', '/embeddings'));
}
