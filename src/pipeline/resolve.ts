// The pipeline's first step, the checks every model-routed call makes, in order: a JSON
// object body with a string `model`, a configured model, the token's allow-list, and the
// right API format for the endpoint (the strict format rule; local llama.cpp aliases serve
// chat and embeddings only). Each failure is the exact error the product promises.
import type { Endpoint } from '../domain/formats.js';
import { badRequest, forbidden, notFound, type GatewayError } from '../errors/catalogue.js';
import { replaceTopLevel } from '../lib/json/json-scan.js';
import { ENDPOINT_FORMAT } from '../providers/index.js';
import type { ModelRegistry, Resolved, ResolvedApi, ResolvedRouter } from '../state/registry.js';
import type { AuthToken } from '../state/token-cache.js';

export const modelNotFound = (model: string): GatewayError =>
  notFound(`Model configuration '${model}' not found.`, 'model', 'model_not_found');

export function wrongFormat(endpoint: Endpoint, model: string, actualFormat: string): GatewayError {
  if (endpoint === 'messages') {
    return badRequest(`Model '${model}' is not configured for Anthropic Messages API format. Configure an alias with 'anthropic' format.`, 'model');
  }
  if (endpoint === 'gemini') {
    return badRequest(`Model '${model}' is not configured for Gemini API format. Configure an alias with 'gemini' format.`, 'model');
  }
  if (endpoint === 'responses') {
    return badRequest(
      `Model '${model}' is not configured for Responses API format. Configure an alias with 'openai_responses' format.`,
      'model',
    );
  }
  if (actualFormat === 'openai_responses') {
    return badRequest(
      endpoint === 'chat'
        ? "Model is configured with 'openai_responses' format which does not support the chat completions endpoint. Use the responses API endpoint instead."
        : "Model is configured with 'openai_responses' format which does not support the embeddings endpoint.",
      'model',
    );
  }
  const target = endpoint === 'chat' ? 'chat completions' : 'embeddings';
  return badRequest(`Model '${model}' is configured with '${actualFormat}' format which does not support the ${target} endpoint.`, 'model');
}

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);

export function modelAccessDenied(model: string): GatewayError {
  return forbidden(`This token does not have access to model '${model}'.`, 'model_not_allowed');
}

/** Whether a token's allow-list (if it has one) includes this client-visible model id. */
export const mayUse = (token: AuthToken | null, model: string): boolean => !token?.allowedModels || token.allowedModels.has(model);

export function checkModelAllowed(token: AuthToken | null, model: string): void {
  if (!mayUse(token, model)) throw modelAccessDenied(model);
}

/** Reads `model` from a parsed JSON body (`raw`: its bytes), or throws the 400 that says what is wrong. */
export function bodyModel(body: unknown, raw: Buffer | undefined): string {
  if (body === undefined || raw === undefined) {
    throw badRequest("Missing request body: send a JSON object with a 'model' field.", null, 'missing_body');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest(`The request body must be a JSON object, not ${typeName(body)}.`, null, 'invalid_body');
  }
  const model = (body as { model?: unknown }).model;
  if (model === undefined) throw badRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  if (typeof model !== 'string') {
    throw badRequest(`Invalid type for 'model': expected a string, but got ${typeName(model)} instead.`, 'model', 'invalid_type');
  }
  if (model === '') throw badRequest("Invalid 'model': empty string.", 'model', 'invalid_value');
  return model;
}

/**
 * Resolves a model for an endpoint that may also be served locally (chat, embeddings), applying
 * the allow-list and, for API models, the strict format rule.
 */
export function resolveModelFor(registry: ModelRegistry, endpoint: Endpoint, model: string, token: AuthToken | null): Resolved {
  const resolved = registry.resolve(model);
  if (!resolved) throw modelNotFound(model);
  checkModelAllowed(token, model);
  if (resolved.kind === 'local') {
    // Local aliases answer Chat Completions and Embeddings only.
    if (endpoint !== 'chat' && endpoint !== 'embeddings') throw wrongFormat(endpoint, model, 'local');
    return resolved;
  }
  // A router's targets all share one format; one with none loaded answers 503 when called.
  const format = resolved.kind === 'router' ? resolved.router.apiFormat : resolved.apiModel.apiFormat;
  if (format !== null && format !== ENDPOINT_FORMAT[endpoint]) throw wrongFormat(endpoint, model, format);
  return resolved;
}

/** Resolves a model that must be served upstream (the Responses family, Anthropic, Gemini). */
export function resolveFor(registry: ModelRegistry, endpoint: Endpoint, model: string, token: AuthToken | null): ResolvedApi | ResolvedRouter {
  const resolved = resolveModelFor(registry, endpoint, model, token);
  if (resolved.kind === 'local') throw wrongFormat(endpoint, model, 'local');
  return resolved;
}

/** The body to send upstream: the client's bytes, with only the prefix taken off `model`. */
export function upstreamBody(raw: Buffer, resolved: ResolvedApi): Buffer {
  return resolved.alias === resolved.upstreamModel ? raw : replaceTopLevel(raw, 'model', JSON.stringify(resolved.upstreamModel));
}
