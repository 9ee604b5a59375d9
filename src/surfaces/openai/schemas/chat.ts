// Chat Completions and Embeddings wire shapes (after OpenAI's published spec). Forwarded
// untouched; unknown fields pass through.
import { metadataSchema, nullable } from './common.js';

const messageSchema = {
  type: 'object',
  required: ['role'],
  additionalProperties: true,
  properties: {
    role: { type: 'string', enum: ['system', 'developer', 'user', 'assistant', 'tool', 'function'] },
    content: {
      description: 'Text, or a list of parts ({type: "text", text}, {type: "image_url", image_url}, {type: "input_audio", ...}).',
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'object', additionalProperties: true } }, { type: 'null' }],
    },
    name: { type: 'string' },
    tool_calls: { type: 'array', items: { type: 'object', additionalProperties: true } },
    tool_call_id: { type: 'string' },
  },
} as const;

export const createChatCompletionSchema = {
  $id: 'CreateChatCompletion',
  title: 'CreateChatCompletion',
  description: "Forwarded byte for byte. The gateway reads only `model`, which must name an API model with the 'openai' format.",
  type: 'object',
  required: ['model', 'messages'],
  additionalProperties: true,
  properties: {
    model: { type: 'string', examples: ['gpt-4o'] },
    messages: { type: 'array', items: messageSchema },
    stream: { type: ['boolean', 'null'], description: 'Answer with `data: {chunk}` server-sent events ending with `data: [DONE]`.' },
    stream_options: { type: ['object', 'null'], additionalProperties: true, properties: { include_usage: { type: 'boolean' } } },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    top_p: { type: ['number', 'null'] },
    n: { type: ['integer', 'null'], minimum: 1 },
    max_tokens: { type: ['integer', 'null'], deprecated: true },
    max_completion_tokens: { type: ['integer', 'null'] },
    stop: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }, { type: 'null' }] },
    presence_penalty: { type: ['number', 'null'] },
    frequency_penalty: { type: ['number', 'null'] },
    logit_bias: { type: ['object', 'null'], additionalProperties: { type: 'number' } },
    logprobs: { type: ['boolean', 'null'] },
    top_logprobs: { type: ['integer', 'null'] },
    response_format: { type: 'object', additionalProperties: true, properties: { type: { type: 'string', enum: ['text', 'json_object', 'json_schema'] } } },
    seed: { type: ['integer', 'null'] },
    tools: { type: 'array', items: { type: 'object', additionalProperties: true } },
    tool_choice: { anyOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }] },
    parallel_tool_calls: { type: 'boolean' },
    reasoning_effort: { type: ['string', 'null'], enum: ['minimal', 'low', 'medium', 'high', null] },
    store: { type: ['boolean', 'null'] },
    metadata: metadataSchema,
    service_tier: { type: ['string', 'null'] },
    user: { type: 'string' },
  },
  examples: [{ model: 'gpt-4o', messages: [{ role: 'user', content: 'Say hello' }] }],
} as const;

const chatUsageSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    prompt_tokens: { type: 'integer' },
    completion_tokens: { type: 'integer' },
    total_tokens: { type: 'integer' },
    prompt_tokens_details: { type: 'object', additionalProperties: true },
    completion_tokens_details: { type: 'object', additionalProperties: true },
  },
} as const;

export const chatCompletionSchema = {
  $id: 'ChatCompletion',
  title: 'ChatCompletion',
  type: 'object',
  required: ['id', 'object', 'created', 'model', 'choices'],
  additionalProperties: true,
  properties: {
    id: { type: 'string', examples: ['chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT'] },
    object: { type: 'string', const: 'chat.completion' },
    created: { type: 'integer' },
    model: { type: 'string' },
    choices: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          index: { type: 'integer' },
          message: messageSchema,
          finish_reason: { type: ['string', 'null'], enum: ['stop', 'length', 'tool_calls', 'content_filter', 'function_call', null] },
          logprobs: { type: ['object', 'null'], additionalProperties: true },
        },
      },
    },
    usage: chatUsageSchema,
    system_fingerprint: { type: ['string', 'null'] },
    service_tier: { type: ['string', 'null'] },
  },
} as const;

export const chatCompletionChunkSchema = {
  $id: 'ChatCompletionChunk',
  title: 'ChatCompletionChunk',
  description:
    'With `"stream": true` the answer is `text/event-stream` of `data: <this JSON>` lines, ending with `data: [DONE]`. With `stream_options.include_usage` one last chunk has `choices: []` and `usage`. Passed through unchanged.',
  type: 'object',
  required: ['id', 'object', 'created', 'model', 'choices'],
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    object: { type: 'string', const: 'chat.completion.chunk' },
    created: { type: 'integer' },
    model: { type: 'string' },
    choices: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          index: { type: 'integer' },
          delta: { type: 'object', additionalProperties: true, properties: { role: { type: 'string' }, content: { type: ['string', 'null'] }, tool_calls: { type: 'array' } } },
          finish_reason: { type: ['string', 'null'] },
        },
      },
    },
    usage: nullable(chatUsageSchema),
  },
} as const;

export const createEmbeddingSchema = {
  $id: 'CreateEmbedding',
  title: 'CreateEmbedding',
  description: "Forwarded byte for byte. `model` must name an API model with the 'openai' format.",
  type: 'object',
  required: ['model', 'input'],
  additionalProperties: true,
  properties: {
    model: { type: 'string', examples: ['text-embedding-3-small'] },
    input: {
      description: 'A string, a list of strings, or token arrays.',
      anyOf: [
        { type: 'string' },
        { type: 'array', items: { type: 'string' } },
        { type: 'array', items: { type: 'integer' } },
        { type: 'array', items: { type: 'array', items: { type: 'integer' } } },
      ],
    },
    encoding_format: { type: 'string', enum: ['float', 'base64'] },
    dimensions: { type: 'integer', minimum: 1 },
    user: { type: 'string' },
  },
  examples: [{ model: 'text-embedding-3-small', input: 'The food was delicious.' }],
} as const;

export const embeddingListSchema = {
  $id: 'EmbeddingList',
  title: 'EmbeddingList',
  type: 'object',
  required: ['object', 'data', 'model', 'usage'],
  additionalProperties: true,
  properties: {
    object: { type: 'string', const: 'list' },
    data: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: true,
        properties: {
          object: { type: 'string', const: 'embedding' },
          embedding: { description: 'Floats, or base64 little-endian float32 with encoding_format=base64.', anyOf: [{ type: 'array', items: { type: 'number' } }, { type: 'string' }] },
          index: { type: 'integer' },
        },
      },
    },
    model: { type: 'string' },
    usage: { type: 'object', additionalProperties: true, properties: { prompt_tokens: { type: 'integer' }, total_tokens: { type: 'integer' } } },
  },
} as const;

export const chatSchemas = [createChatCompletionSchema, chatCompletionSchema, chatCompletionChunkSchema, createEmbeddingSchema, embeddingListSchema];
