// The OpenAPI description of the Anthropic routes. Request bodies pass through unread but for
// `model`, so the body schema names only it; answers are the upstream's own.
import { gatewayErrorHeader } from '../error-schema.js';

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request, or a model not configured with the anthropic format',
  401: 'Missing, unknown, expired or revoked gateway token (`x-api-key` or `Authorization: Bearer`)',
  403: 'The token may not use this model',
  404: 'Unknown model',
  413: 'Request body too large',
  415: 'The body is not JSON',
  502: 'The upstream could not be reached or broke off',
};

const errorEnvelope = {
  type: 'object',
  description: "Anthropic's error envelope; the gateway's own errors carry `x-bodhi-error: gateway`, an upstream's pass through as sent.",
  required: ['type', 'error'],
  properties: {
    type: { type: 'string', const: 'error' },
    error: {
      type: 'object',
      required: ['type', 'message'],
      properties: {
        type: { type: 'string', examples: ['invalid_request_error', 'authentication_error', 'permission_error', 'not_found_error'] },
        message: { type: 'string' },
      },
    },
  },
} as const;

function errors(...statuses: number[]): Record<number, object> {
  const out: Record<number, object> = {};
  for (const status of statuses) out[status] = { description: ERROR_TEXT[status] ?? 'Error', headers: gatewayErrorHeader, content: { 'application/json': { schema: errorEnvelope } } };
  return out;
}

const passThroughBody = (what: string) => ({
  type: 'object',
  required: ['model'],
  additionalProperties: true,
  description: `${what} The gateway reads only \`model\` (an anthropic-format model; a prefix is taken off) and forwards the bytes unchanged.`,
  properties: { model: { type: 'string', examples: ['claude-sonnet-4-6'] } },
});

const betaQuery = { type: 'object', properties: { beta: { type: 'boolean', description: 'Passed through (Claude Code and the 0.x beta client send it).' } } } as const;

const TAGS = ['Anthropic Messages'];
const AUTH_NOTE = 'Send the gateway token as `x-api-key` or `Authorization: Bearer`; the upstream gets the stored key. `anthropic-version` and `anthropic-beta` pass through (2023-06-01 is sent when the client sent no version).';

export const messagesDocs = {
  tags: TAGS,
  summary: 'Create a message',
  description: `Anthropic Messages API, forwarded to the upstream of the anthropic-format API model that serves \`model\`; streams pass through byte for byte. ${AUTH_NOTE}`,
  querystring: betaQuery,
  body: passThroughBody('A Messages API request.'),
  response: {
    200: {
      description: 'The message, or its server-sent events when streaming',
      content: {
        'application/json': { schema: { type: 'object', description: "Anthropic's Message.", additionalProperties: true } },
        'text/event-stream': { schema: { type: 'string', description: 'message_start, content_block_*, message_delta, message_stop, ping events.' } },
      },
    },
    ...errors(400, 401, 403, 404, 413, 415, 502),
  },
};

export const countTokensDocs = {
  tags: TAGS,
  summary: 'Count the tokens of a message',
  description: `Forwarded like Create a message; uses no output tokens and records no usage. ${AUTH_NOTE}`,
  querystring: betaQuery,
  body: passThroughBody('A Messages API request without max_tokens.'),
  response: {
    200: { description: 'The count', content: { 'application/json': { schema: { type: 'object', required: ['input_tokens'], properties: { input_tokens: { type: 'integer' } } } } } },
    ...errors(400, 401, 403, 404, 413, 415, 502),
  },
};

const modelSchema = {
  type: 'object',
  required: ['type', 'id', 'display_name', 'created_at'],
  properties: {
    type: { type: 'string', const: 'model' },
    id: { type: 'string', description: 'The id clients send as `model` (prefix included).' },
    display_name: { type: 'string' },
    created_at: { type: 'string', format: 'date-time', description: 'When the API model was added.' },
  },
} as const;

export const modelListSchema = {
  type: 'object',
  required: ['data', 'has_more', 'first_id', 'last_id'],
  properties: {
    data: { type: 'array', items: modelSchema },
    has_more: { type: 'boolean' },
    first_id: { type: ['string', 'null'] },
    last_id: { type: ['string', 'null'] },
  },
} as const;

export const anthropicModelsDocs = {
  list: {
    tags: TAGS,
    summary: 'List the anthropic-format models this token can call',
    description: "Anthropic's list shape. GET /v1/models answers the same to a client that sends `anthropic-version`.",
    querystring: {
      type: 'object',
      properties: {
        limit: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
        after_id: { type: 'string' },
        before_id: { type: 'string' },
      },
    },
    response: { 200: { description: 'The models', content: { 'application/json': { schema: modelListSchema } } }, ...errors(400, 401) },
  },
  retrieve: {
    tags: TAGS,
    summary: 'Retrieve an anthropic-format model',
    params: { type: 'object', required: ['model_id'], properties: { model_id: { type: 'string', description: 'The model id; may contain `/`.' } } },
    response: { 200: { description: 'The model', content: { 'application/json': { schema: modelSchema } } }, ...errors(401, 403, 404) },
  },
};
