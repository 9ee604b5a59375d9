// The OpenAPI description of each /v1 route (attached with `documented()`, see ../documented.ts).
import { RESPONSE_ID_RE } from '../response-id.js';
import { errorResponses, ref } from './common.js';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: RESPONSE_ID_RE.source, description: 'The response id (`resp_...`).' } },
} as const;

const modelQuery = {
  type: 'string',
  description:
    'Gateway routing only (removed before forwarding): the model alias to route by. Needed only for responses not created through this gateway when several API models use the openai_responses format.',
} as const;

const includeQuery = { type: 'array', items: { type: 'string' }, description: 'Extra fields to include, e.g. `message.output_text.logprobs`.' } as const;

const idRouteNote = 'Routed to the API model that created the response (recorded by the gateway); a response is visible only to the token that created it, and to admins.';

const responseCreateLike = (summary: string, description: string, ok: object, operationId: string) => ({
  tags: ['Responses'],
  operationId,
  summary,
  description,
  body: ref('CreateResponse'),
  response: { 200: ok, ...errorResponses(400, 401, 403, 404, 413, 415, 502) },
});

export const responsesDocs = {
  create: responseCreateLike(
    'Create a response',
    "Forwarded unchanged to the upstream of the `openai_responses` API model that serves `model`. With `\"stream\": true` the upstream's server-sent events are passed through as they arrive. With `\"background\": true` poll GET /v1/responses/{id}.",
    {
      description: 'The Response, or its events when streaming',
      content: {
        'application/json': { schema: ref('Response') },
        'text/event-stream': { schema: ref('ResponseStreamEvent') },
      },
    },
    'createResponse',
  ),
  inputTokens: responseCreateLike(
    'Count input tokens',
    'Counts the tokens `input` (with instructions, tools, ...) would use, without creating a response.',
    { description: 'The count', ...ref('ResponseInputTokens') },
    'countResponseInputTokens',
  ),
  compact: responseCreateLike(
    'Compact a conversation',
    'Returns a compacted version of the conversation to send as `input` of a follow-up.',
    { description: 'The compaction', ...ref('ResponseCompaction') },
    'compactResponse',
  ),
  retrieve: {
    tags: ['Responses'],
    operationId: 'getResponse',
    summary: 'Retrieve a response',
    description: `${idRouteNote} With \`stream=true\` the upstream replays the response's events (after \`starting_after\`).`,
    params: idParams,
    querystring: {
      type: 'object',
      properties: {
        'include[]': includeQuery,
        stream: { type: 'boolean', description: 'Replay the events as server-sent events.' },
        starting_after: { type: 'integer', description: 'With stream=true: only events with a larger sequence_number.' },
        include_obfuscation: { type: 'boolean' },
        model: modelQuery,
      },
    },
    response: {
      200: {
        description: 'The Response, or its events with stream=true',
        content: {
          'application/json': { schema: ref('Response') },
          'text/event-stream': { schema: ref('ResponseStreamEvent') },
        },
      },
      ...errorResponses(400, 401, 403, 404, 502),
    },
  },
  delete: {
    tags: ['Responses'],
    operationId: 'deleteResponse',
    summary: 'Delete a stored response',
    description: idRouteNote,
    params: idParams,
    querystring: { type: 'object', properties: { model: modelQuery } },
    response: { 200: { description: 'Deleted', ...ref('ResponseDeleted') }, ...errorResponses(400, 401, 403, 404, 502) },
  },
  inputItems: {
    tags: ['Responses'],
    operationId: 'listResponseInputItems',
    summary: 'List the input items of a response',
    description: idRouteNote,
    params: idParams,
    querystring: {
      type: 'object',
      properties: {
        limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
        order: { type: 'string', enum: ['asc', 'desc'], default: 'desc' },
        after: { type: 'string', description: 'An item id to list after.' },
        'include[]': includeQuery,
        model: modelQuery,
      },
    },
    response: { 200: { description: 'A page of input items', ...ref('ResponseItemList') }, ...errorResponses(400, 401, 403, 404, 502) },
  },
  cancel: {
    tags: ['Responses'],
    operationId: 'cancelResponse',
    summary: 'Cancel a background response',
    description: `${idRouteNote} Only \`background: true\` responses can be cancelled; the upstream answers 400 for others.`,
    params: idParams,
    querystring: { type: 'object', properties: { model: modelQuery } },
    response: { 200: { description: 'The Response, with status cancelled', ...ref('Response') }, ...errorResponses(400, 401, 403, 404, 502) },
  },
};

export const chatDocs = {
  tags: ['Chat Completions'],
  operationId: 'createChatCompletion',
  summary: 'Create a chat completion',
  description: "Forwarded unchanged to the upstream of the `openai`-format API model that serves `model`; streams are passed through as they arrive.",
  body: ref('CreateChatCompletion'),
  response: {
    200: {
      description: 'The completion, or its chunks when streaming',
      content: {
        'application/json': { schema: ref('ChatCompletion') },
        'text/event-stream': { schema: ref('ChatCompletionChunk') },
      },
    },
    ...errorResponses(400, 401, 403, 404, 413, 415, 502),
  },
};

export const embeddingsDocs = {
  tags: ['Embeddings'],
  operationId: 'createEmbedding',
  summary: 'Create embeddings',
  description: 'Forwarded unchanged to the upstream of the `openai`-format API model that serves `model`.',
  body: ref('CreateEmbedding'),
  response: { 200: { description: 'The embeddings', ...ref('EmbeddingList') }, ...errorResponses(400, 401, 403, 404, 413, 415, 502) },
};

export const modelsDocs = {
  list: {
    tags: ['Models'],
    operationId: 'listModels',
    summary: 'List the models this token can call',
    response: { 200: { description: 'The models', ...ref('ModelList') }, ...errorResponses(401, 403) },
  },
  retrieve: {
    tags: ['Models'],
    operationId: 'retrieveModel',
    summary: 'Retrieve a model',
    params: {
      type: 'object',
      required: ['model'],
      properties: { model: { type: 'string', description: 'The model id; may contain `/` (e.g. `res/gpt-5`).' } },
    },
    response: { 200: { description: 'The model', ...ref('Model') }, ...errorResponses(401, 403, 404) },
  },
};
