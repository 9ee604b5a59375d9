// POST /v1/messages and /v1/messages/count_tokens (also under /anthropic): model-routed
// pass-through to `anthropic`-format API models. Only `model` is read; the query string
// (`?beta=true`) and everything else go through as sent.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { planFor } from '../../pipeline/plan.js';
import { bodyModel, resolveFor } from '../../pipeline/resolve.js';
import { requestContext, takeOver } from '../http-client.js';
import type { OpenAiSurfaceDeps } from '../openai/deps.js';
import { documented } from '../openai/documented.js';
import { rawQuery } from '../openai/query.js';
import { renderAnthropicError } from './errors.js';
import { countTokensDocs, messagesDocs } from './schemas.js';

export type MessagesDeps = Pick<OpenAiSurfaceDeps, 'registry' | 'pipeline'>;

export function messagesRoutes(app: FastifyInstance, deps: MessagesDeps, base: '' | '/anthropic'): void {
  const routed = (path: '/messages' | '/messages/count_tokens') => {
    const route = `${base}/v1${path}`;
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const model = bodyModel(request.body, request.rawBody);
      const resolved = resolveFor(deps.registry, 'messages', model, request.token);
      request.recordsItself = true;
      const ctx = requestContext(request, reply);
      await deps.pipeline.run(
        ctx,
        { route, endpoint: 'messages', targets: planFor(resolved, request.rawBody!), model, path, query: rawQuery(request.url) },
        takeOver(reply, renderAnthropicError),
      );
    };
  };
  app.post(`${base}/v1/messages`, documented({ ...messagesDocs, operationId: base ? 'createMessageUnderAnthropic' : 'createMessage' }), routed('/messages'));
  app.post(`${base}/v1/messages/count_tokens`, documented({ ...countTokensDocs, operationId: base ? 'countMessageTokensUnderAnthropic' : 'countMessageTokens' }), routed('/messages/count_tokens'));
}
