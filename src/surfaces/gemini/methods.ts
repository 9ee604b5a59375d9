// `/v1beta/models/{model}:{method}`: the path tail split at its last `:` (model ids may
// contain `/` and `:`, method names never do), and the methods the gateway forwards.
import { badRequest, notFound } from '../../errors/catalogue.js';

export const GEMINI_METHODS = ['generateContent', 'streamGenerateContent', 'countTokens', 'embedContent', 'batchEmbedContents'] as const;
export type GeminiMethod = (typeof GEMINI_METHODS)[number];

const isMethod = (s: string): s is GeminiMethod => (GEMINI_METHODS as readonly string[]).includes(s);

export function splitModelMethod(tail: string): { model: string; method: GeminiMethod } {
  const colon = tail.lastIndexOf(':');
  if (colon < 0) throw badRequest(`Invalid action path '${tail}'. Expected format: '{model}:{method}'.`, 'model');
  const model = tail.slice(0, colon);
  const method = tail.slice(colon + 1);
  if (!isMethod(method)) {
    throw notFound(`Method '${method}' is not supported. Supported: ${GEMINI_METHODS.join(', ')}.`, null, 'unknown_url');
  }
  if (model === '') throw badRequest(`Invalid action path '${tail}': the model is empty.`, 'model');
  return { model, method };
}

/** The upstream path for a model id: characters that would end or escape a path are encoded. */
export const upstreamPath = (model: string, method: GeminiMethod): string =>
  `/models/${model.replace(/[%?#\s]/g, (c) => encodeURIComponent(c))}:${method}`;
