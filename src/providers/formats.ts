// The API formats and the strict rule of which endpoint accepts which format, with the
// exact error texts users see (they are part of the product's contract).
import { badRequest, notFound, type GatewayError } from '../errors/catalogue.js';

export const API_FORMATS = ['openai', 'openai_responses'] as const;
export type KnownApiFormat = (typeof API_FORMATS)[number];
export const isApiFormat = (s: unknown): s is KnownApiFormat => typeof s === 'string' && (API_FORMATS as readonly string[]).includes(s);

export const FORMAT_LABELS: Record<KnownApiFormat, string> = {
  openai: 'OpenAI - Completions',
  openai_responses: 'OpenAI - Responses',
};

export type Endpoint = 'responses' | 'chat' | 'embeddings';

/** Which format each endpoint family forwards to. */
export const ENDPOINT_FORMAT: Record<Endpoint, KnownApiFormat> = {
  responses: 'openai_responses',
  chat: 'openai',
  embeddings: 'openai',
};

export const modelNotFound = (model: string): GatewayError =>
  notFound(`Model configuration '${model}' not found.`, 'model', 'model_not_found');

export function wrongFormat(endpoint: Endpoint, model: string, actualFormat: string): GatewayError {
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
