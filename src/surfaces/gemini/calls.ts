// POST /v1beta/models/{model}:{method}: forwarded to the `gemini`-format API model serving
// `model`, at its base URL + /models/<upstream model>:<method>, with the body's bytes unchanged
// (the model is in the path, never in the body) and the query without `key`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { planRouter, type RouterPlan, type Shape, type Target } from '../../pipeline/plan.js';
import { resolveFor } from '../../pipeline/resolve.js';
import type { RefreshOnMiss } from '../auth-hook.js';
import { requestContext, takeOver } from '../http-client.js';
import { documented } from '../openai/documented.js';
import { rawQuery } from '../openai/query.js';
import type { OpenAiSurfaceDeps } from '../openai/deps.js';
import { renderGeminiError } from './errors.js';
import { splitModelMethod, upstreamPath } from './methods.js';
import { geminiDocs } from './schemas.js';
import { withoutKey } from './query.js';

type Tail = { Params: { '*': string } };

export function geminiCallRoutes(scope: FastifyInstance, deps: OpenAiSurfaceDeps, refresh: RefreshOnMiss): void {
  scope.post<Tail>('/models/*', documented(geminiDocs.call), async (request: FastifyRequest<Tail>, reply: FastifyReply) => {
    const { model, method } = splitModelMethod(request.params['*']);
    // A model added a moment ago by the CLI or another instance is found (the sync bounds how often).
    if (!deps.registry.serves(model)) await refresh().catch(() => false);
    const resolved = resolveFor(deps.registry, 'gemini', model, request.token);
    const body = request.rawBody ?? null;
    // The model is in the path: each target gets its own, and the body's bytes unchanged.
    const shape: Shape = (apiModel, upstreamModel) => ({ apiModel, body, path: upstreamPath(upstreamModel, method), upstreamModel });
    const targets: Target[] | RouterPlan = resolved.kind === 'router' ? planRouter(resolved.router, shape) : [shape(resolved.apiModel, resolved.upstreamModel)];
    const path = upstreamPath(model, method); // each target's own path wins
    request.recordsItself = true;
    await deps.pipeline.run(
      requestContext(request, reply),
      { route: `/v1beta/models/{model}:${method}`, endpoint: 'gemini', targets, model, path, query: withoutKey(rawQuery(request.url)) },
      takeOver(reply, renderGeminiError),
    );
  });
}
