// /v1/responses family. Create-like calls route on the body's `model`; id-only calls route
// on the routing record written when the response was created through the gateway, else on
// `?model=`, else on the only Responses-format API model. Through a router, a create that
// continues a response (`previous_response_id`) goes only to the target that made it: another
// account would not know the id.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { badRequest, GatewayError, notFound, unknownUrl } from '../../errors/catalogue.js';
import { planByApiModel, planFor, type Holder } from '../../pipeline/plan.js';
import { bodyModel, checkModelAllowed, mayUse, modelAccessDenied, resolveFor } from '../../pipeline/resolve.js';
import type { LiveApiModel } from '../../state/registry.js';
import type { AuthToken } from '../../state/token-cache.js';
import { requestContext, takeOver } from '../http-client.js';
import type { OpenAiSurfaceDeps } from './deps.js';
import { documented } from './documented.js';
import { renderError } from './errors.js';
import { rawQuery, takeModelParam } from './query.js';
import { RESPONSE_ID_RE } from './response-id.js';
import { responsesDocs } from './schemas/routes.js';

export { RESPONSE_ID_RE };

const responseNotFound = (id: string) =>
  new GatewayError('response_not_found', `Response with id '${id}' not found.`);

function checkResponseId(id: string): void {
  if (!RESPONSE_ID_RE.test(id)) {
    throw badRequest("Invalid 'response_id': expected 1-256 letters, digits, '_' or '-'.", 'response_id', 'invalid_response_id');
  }
}

interface IdRoute {
  apiModel: LiveApiModel;
  model: string | undefined;
  query: string;
}

/** Picks the API model for an id-only call, enforcing ownership and the token's allow-list. */
async function routeById(gw: Pick<OpenAiSurfaceDeps, 'registry' | 'responseRoutes'>, token: AuthToken | null, id: string, url: string): Promise<IdRoute> {
  checkResponseId(id);
  const { query, model } = takeModelParam(rawQuery(url));
  const record = await gw.responseRoutes.lookup(id);
  if (record) {
    // Someone else's response looks exactly like one that does not exist.
    if (token && record.tokenId !== token.id && token.scope !== 'admin') throw responseNotFound(id);
    checkModelAllowed(token, record.model);
    const apiModel = gw.registry.apiModel(record.apiModelId);
    if (apiModel) return { apiModel, model: record.model, query };
    if (!model) {
      throw notFound(`The API model that served response '${id}' no longer exists; pass ?model=<alias> to route it.`, 'model', 'api_model_gone');
    }
  }
  if (model) {
    const resolved = resolveFor(gw.registry, 'responses', model, token);
    if (resolved.kind === 'api') return { apiModel: resolved.apiModel, model, query };
    // A router's response made elsewhere: its first target is the best guess.
    const first = resolved.router.targets.find((t) => t.enabled) ?? resolved.router.targets[0];
    if (first) return { apiModel: first.apiModel, model, query };
    throw notFound(`Router '${model}' has no target to route response '${id}' to.`, 'model', 'api_model_gone');
  }
  const candidates = gw.registry.apiModels().filter((m) => m.apiFormat === 'openai_responses');
  if (candidates.length === 1) {
    const only = candidates[0]!;
    if (token?.allowedModels && !gw.registry.list().some((l) => l.apiModel.id === only.id && mayUse(token, l.id))) {
      throw modelAccessDenied(only.name);
    }
    return { apiModel: only, model: undefined, query };
  }
  throw badRequest(
    `Query parameter 'model' is required for routing: response '${id}' was not created through this gateway and ${candidates.length} API models use the 'openai_responses' format. Add ?model=<alias>.`,
    'model',
    'model_required',
  );
}

/** The conversation a create continues: `conversation` is its id or `{ "id": ... }`. */
function conversationOf(body: unknown): string | undefined {
  const c = (body as { conversation?: unknown }).conversation;
  const id = c !== null && typeof c === 'object' ? (c as { id?: unknown }).id : c;
  return typeof id === 'string' && RESPONSE_ID_RE.test(id) ? id : undefined;
}

/**
 * The target holding a response (or conversation) by its routing record, if the caller may see
 * it and its API model still exists; undefined at once (no promise to wait for) when there is
 * no id to look up.
 */
function holderOf(gw: Pick<OpenAiSurfaceDeps, 'responseRoutes' | 'registry'>, id: unknown, token: AuthToken | null): Promise<Holder | undefined> | undefined {
  if (typeof id !== 'string' || !RESPONSE_ID_RE.test(id)) return undefined;
  return gw.responseRoutes.lookup(id).then((record) => {
    if (!record || (token && record.tokenId !== token.id && token.scope !== 'admin')) return undefined;
    const apiModel = gw.registry.apiModel(record.apiModelId);
    return apiModel && { apiModel, upstreamModel: record.upstreamModel };
  });
}

export function responsesRoutes(app: FastifyInstance, gw: OpenAiSurfaceDeps): void {
  const createLike = (path: string, creates: boolean) => {
    const route = `/v1${path}`;
    return async (request: FastifyRequest, reply: FastifyReply) => {
      const model = bodyModel(request.body, request.rawBody);
      const resolved = resolveFor(gw.registry, 'responses', model, request.token);
      const tokenId = request.token?.id ?? null;
      // A response created with `store: false` can never be retrieved, cancelled or deleted:
      // no routing record, and its usage simply counts (no later poll can see it again).
      const remember = creates && (request.body as { store?: unknown }).store !== false;
      // Through a router, a conversation stays where it started: the target that created the
      // previous response, or the one that first served the conversation (its id is then
      // recorded like a response's).
      let pinTo: Holder | undefined;
      let newConversation: string | undefined;
      if (resolved.kind === 'router') {
        const conversation = conversationOf(request.body);
        const byPrevious = holderOf(gw, (request.body as { previous_response_id?: unknown }).previous_response_id, request.token);
        pinTo = byPrevious && (await byPrevious);
        const byConversation = pinTo === undefined ? holderOf(gw, conversation, request.token) : undefined;
        if (byConversation) pinTo = await byConversation;
        if (pinTo === undefined && remember) newConversation = conversation;
      }
      const record = (id: string, apiModelId: string, upstreamModel: string | null) =>
        gw.responseRoutes.remember({ responseId: id, apiModelId, model, upstreamModel, tokenId, createdAt: Date.now(), usageCountedAt: null });
      request.recordsItself = true;
      const ctx = requestContext(request, reply);
      await gw.pipeline.run(
        ctx,
        {
          route,
          endpoint: 'responses',
          targets: planFor(resolved, request.rawBody!, pinTo),
          model,
          path,
          query: rawQuery(request.url),
          remember: remember
            ? newConversation
              ? (responseId, apiModel, upstreamModel) =>
                  Promise.all([record(responseId, apiModel.id, upstreamModel), record(newConversation, apiModel.id, upstreamModel)]).then(() => undefined)
              : (responseId, apiModel, upstreamModel) => record(responseId, apiModel.id, upstreamModel)
            : undefined,
          usageOnce: remember ? 'create' : undefined,
        },
        takeOver(reply, renderError),
      );
    };
  };

  app.post('/responses', documented(responsesDocs.create), createLike('/responses', true));
  app.post('/responses/input_tokens', documented(responsesDocs.inputTokens), createLike('/responses/input_tokens', false));
  app.post('/responses/compact', documented(responsesDocs.compact), createLike('/responses/compact', false));

  type IdParams = { Params: { id: string } };
  const byId = (suffix: string, method: 'GET' | 'DELETE' | 'POST') => {
    const pattern = `/v1/responses/:id${suffix}`;
    return async (request: FastifyRequest<IdParams>, reply: FastifyReply) => {
      const { id } = request.params;
      // A deleted response keeps its record (until retention): later calls still reach its
      // upstream, which answers 404 as the SDKs expect, and still only for its owner.
      const route = await routeById(gw, request.token, id, request.url);
      request.recordsItself = true;
      const ctx = requestContext(request, reply);
      await gw.pipeline.run(
        ctx,
        {
          route: pattern,
          endpoint: 'responses',
          targets: planByApiModel(route.apiModel, method === 'POST' && request.rawBody?.length ? request.rawBody : null),
          model: route.model,
          path: `/responses/${id}${suffix}`,
          query: route.query,
          // A finished background response's usage is counted by the first poll that sees it.
          usageOnce: method === 'GET' && suffix === '' ? 'poll' : undefined,
        },
        takeOver(reply, renderError),
      );
    };
  };

  app.get<IdParams>('/responses/:id', documented(responsesDocs.retrieve), byId('', 'GET'));
  app.delete<IdParams>('/responses/:id', documented(responsesDocs.delete), byId('', 'DELETE'));
  app.get<IdParams>('/responses/:id/input_items', documented(responsesDocs.inputItems), byId('/input_items', 'GET'));
  app.post<IdParams>('/responses/:id/cancel', documented(responsesDocs.cancel), byId('/cancel', 'POST'));

  // Anything else below /responses/ is either a hostile id (`..`, encoded slashes) or an
  // unknown sub-resource; neither is forwarded.
  app.all('/responses/*', { schema: { hide: true } }, async (request) => {
    // The raw segment, not the decoded param: `resp%2F1` must not pass as `resp`.
    const path = request.url.split('?')[0]!;
    const first = path.slice(path.indexOf('/responses/') + '/responses/'.length).split('/')[0] ?? '';
    checkResponseId(first);
    throw unknownUrl(request.method, request.url);
  });
}
