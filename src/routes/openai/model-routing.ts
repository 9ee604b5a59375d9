// The checks every model-routed /v1 call makes, in order: a JSON object body with a string
// `model`, a configured alias, the right API format for the endpoint, and the token's
// allow-list. Each failure is the exact error the product promises.
import type { FastifyRequest } from 'fastify';
import type { AuthToken } from '../../auth/token-cache.js';
import { badRequest, forbidden, type GatewayError } from '../../errors.js';
import { ENDPOINT_FORMAT, modelNotFound, wrongFormat, type Endpoint } from '../../models/formats.js';
import type { ModelRegistry, Resolved } from '../../models/registry.js';
import { replaceTopLevel } from '../../upstream/json-scan.js';

const typeName = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`);

export function modelAccessDenied(model: string): GatewayError {
  return forbidden(`This token does not have access to model '${model}'.`, 'model_not_allowed');
}

export function checkModelAllowed(token: AuthToken | null, model: string): void {
  if (token?.allowedModels && !token.allowedModels.has(model)) throw modelAccessDenied(model);
}

/** Reads `model` from a parsed JSON body, or throws the 400 that says what is wrong. */
export function bodyModel(request: FastifyRequest): string {
  const body = request.body;
  if (body === undefined || request.rawBody === undefined) {
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

/** Resolves a model for an endpoint and applies the strict format rule and the allow-list. */
export function resolveFor(registry: ModelRegistry, endpoint: Endpoint, model: string, token: AuthToken | null): Resolved {
  const resolved = registry.resolve(model);
  if (!resolved) throw modelNotFound(model);
  checkModelAllowed(token, model);
  if (resolved.apiModel.apiFormat !== ENDPOINT_FORMAT[endpoint]) throw wrongFormat(endpoint, model, resolved.apiModel.apiFormat);
  return resolved;
}

/** The body to send upstream: the client's bytes, with only the prefix taken off `model`. */
export function upstreamBody(raw: Buffer, resolved: Resolved): Buffer {
  return resolved.alias === resolved.upstreamModel ? raw : replaceTopLevel(raw, 'model', JSON.stringify(resolved.upstreamModel));
}
