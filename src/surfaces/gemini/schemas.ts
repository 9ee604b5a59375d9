// The OpenAPI description of the /v1beta routes (attached with `documented()`): request and
// answer bodies are Google's own and pass through, so they are described, not validated.
import { gatewayErrorHeader } from '../error-schema.js';
import { GEMINI_METHODS } from './methods.js';

const geminiError = {
  description: 'An error the gateway produced (header `x-bodhi-error: gateway`), or the upstream\'s own, in Google\'s envelope',
  headers: gatewayErrorHeader,
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['error'],
        properties: {
          error: {
            type: 'object',
            required: ['code', 'message', 'status'],
            properties: {
              code: { type: 'integer', examples: [404] },
              message: { type: 'string' },
              status: { type: 'string', examples: ['NOT_FOUND'], description: 'INVALID_ARGUMENT, UNAUTHENTICATED, PERMISSION_DENIED, NOT_FOUND, RESOURCE_EXHAUSTED, UNAVAILABLE, ...' },
            },
          },
        },
      },
    },
  },
} as const;

const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((s) => [s, geminiError]));

const geminiModel = {
  type: 'object',
  required: ['name', 'displayName'],
  properties: {
    name: { type: 'string', description: '`models/` + the id clients use (prefix included).', examples: ['models/gem/gemini-2.5-flash'] },
    displayName: { type: 'string' },
    description: { type: 'string' },
  },
} as const;

const auth =
  'Send a gateway token as `x-goog-api-key` (what `@google/genai` sends with `apiKey`), as `Authorization: Bearer`, or as `?key=` (removed before forwarding).';

const modelParam = (description: string) => ({ type: 'object', required: ['model'], properties: { model: { type: 'string', description } } }) as const;

export const geminiDocs = {
  list: {
    tags: ['Gemini'],
    operationId: 'geminiListModels',
    summary: 'List the Gemini-format models this token can call',
    description: `Gemini's list shape; forward-all prefixes are not listed. ${auth}`,
    response: {
      200: { description: 'The models', content: { 'application/json': { schema: { type: 'object', required: ['models'], properties: { models: { type: 'array', items: geminiModel } } } } } },
      ...errors(401),
    },
  },
  retrieve: {
    tags: ['Gemini'],
    operationId: 'geminiGetModel',
    summary: 'Get a Gemini-format model',
    description: auth,
    params: modelParam('The model id; may contain `/` (e.g. `gem/gemini-2.5-flash`).'),
    response: { 200: { description: 'The model', content: { 'application/json': { schema: geminiModel } } }, ...errors(401, 403, 404) },
  },
  call: {
    tags: ['Gemini'],
    operationId: 'geminiCallModel',
    summary: 'Call a Gemini-format model: generateContent, streamGenerateContent, countTokens, embedContent, batchEmbedContents',
    description: `The path ends in \`<model>:<method>\`, e.g. \`/v1beta/models/gem/gemini-2.5-flash:generateContent\` (split at the last \`:\`). Forwarded to the upstream of the \`gemini\` API model serving the model, at its base URL + \`/models/<upstream model>:<method>\`, with the body unchanged. \`streamGenerateContent?alt=sse\` answers with server-sent events, without \`alt=sse\` with a streamed JSON array; both pass through as they arrive. ${auth}`,
    params: modelParam(`\`<model>:<method>\`, the method one of ${GEMINI_METHODS.join(', ')}.`),
    querystring: {
      type: 'object',
      properties: {
        alt: { type: 'string', enum: ['sse'], description: 'With streamGenerateContent: answer with server-sent events.' },
        key: { type: 'string', description: 'A gateway token (removed before forwarding).' },
      },
    },
    body: { type: 'object', description: "Google's request body (GenerateContentRequest, CountTokensRequest, EmbedContentRequest, BatchEmbedContentsRequest), forwarded unchanged." },
    response: {
      200: {
        description: "The upstream's answer",
        content: { 'application/json': { schema: { type: 'object' } }, 'text/event-stream': { schema: { type: 'object' } } },
      },
      ...errors(400, 401, 403, 404, 413, 415, 502),
    },
  },
};
