// /v1/chat/completions and /v1/embeddings: model-routed pass-through to `openai`-format API models.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Endpoint } from '../../models/formats.js';
import type { Gateway } from '../../server/gateway.js';
import { bodyModel, resolveFor, upstreamBody } from './model-routing.js';
import { documented } from './documented.js';
import { proxy } from './proxy.js';
import { rawQuery } from './query.js';
import { chatDocs, embeddingsDocs } from './schemas/routes.js';

export function completionsRoutes(app: FastifyInstance, gw: Gateway): void {
  const routed = (endpoint: Endpoint, path: string) => async (request: FastifyRequest, reply: FastifyReply) => {
    const model = bodyModel(request);
    const resolved = resolveFor(gw.registry, endpoint, model, request.token);
    await proxy(gw, request, reply, {
      apiModel: resolved.apiModel,
      model,
      path,
      query: rawQuery(request.url),
      body: upstreamBody(request.rawBody!, resolved),
      observe: endpoint === 'chat' ? 'chat' : 'embeddings',
    });
  };
  app.post('/chat/completions', documented(chatDocs), routed('chat', '/chat/completions'));
  app.post('/embeddings', documented(embeddingsDocs), routed('embeddings', '/embeddings'));
}
