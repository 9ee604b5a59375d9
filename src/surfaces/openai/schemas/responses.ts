// The Responses API wire shapes (after OpenAI's published spec): CreateResponse, Response,
// the input items list, the delete/cancel/input_tokens/compact results and the stream events.
// The gateway forwards these bodies untouched, so every object allows properties not listed
// here: a field OpenAI adds tomorrow passes through today.
import { metadataSchema, nullable, ref } from './common.js';

const role = { type: 'string', enum: ['user', 'assistant', 'system', 'developer'] } as const;

const inputContentPart = {
  type: 'object',
  required: ['type'],
  additionalProperties: true,
  description:
    'input_text {text}, input_image {image_url | file_id, detail}, input_file {file_id | file_data | file_url, filename}; assistant messages sent back as input carry output_text parts.',
  properties: {
    type: { type: 'string', examples: ['input_text', 'input_image', 'input_file', 'output_text'] },
    text: { type: 'string' },
    image_url: { type: ['string', 'null'] },
    file_id: { type: ['string', 'null'] },
    detail: { type: 'string', enum: ['low', 'high', 'auto'] },
    file_data: { type: 'string' },
    file_url: { type: 'string' },
    filename: { type: 'string' },
  },
} as const;

export const inputItemSchema = {
  $id: 'InputItem',
  title: 'InputItem',
  description:
    'One input item: a message `{role, content}` (content is a string or a list of input parts), or an item from an earlier response (function_call_output, item_reference, reasoning, ...).',
  type: 'object',
  additionalProperties: true,
  properties: {
    type: { type: 'string', description: '`message` (the default for `{role, content}`), `function_call_output`, `item_reference`, `reasoning`, ...' },
    id: { type: 'string' },
    role,
    content: { anyOf: [{ type: 'string' }, { type: 'array', items: inputContentPart }] },
    call_id: { type: 'string', description: 'function_call_output: the call this answers.' },
    output: { description: 'function_call_output: the tool result.' },
    status: { type: 'string' },
  },
} as const;

const toolSchema = {
  type: 'object',
  required: ['type'],
  additionalProperties: true,
  description: 'A tool the model may call: `function` {name, description, parameters, strict}, or a built-in (web_search, file_search, code_interpreter, image_generation, mcp, ...).',
  properties: {
    type: { type: 'string', examples: ['function', 'web_search', 'file_search'] },
    name: { type: 'string' },
    description: { type: 'string' },
    parameters: { type: 'object', additionalProperties: true },
    strict: { type: 'boolean' },
  },
} as const;

const reasoningSchema = {
  type: ['object', 'null'],
  description: 'Reasoning models only.',
  additionalProperties: true,
  properties: {
    effort: { type: ['string', 'null'], enum: ['minimal', 'low', 'medium', 'high', null] },
    summary: { type: ['string', 'null'], enum: ['auto', 'concise', 'detailed', null] },
  },
} as const;

const textConfigSchema = {
  type: 'object',
  additionalProperties: true,
  properties: {
    format: {
      type: 'object',
      additionalProperties: true,
      description: '`{type: "text"}` (default), `{type: "json_object"}`, or `{type: "json_schema", name, schema, strict}` for Structured Outputs.',
      properties: {
        type: { type: 'string', enum: ['text', 'json_object', 'json_schema'] },
        name: { type: 'string' },
        schema: { type: 'object', additionalProperties: true },
        strict: { type: ['boolean', 'null'] },
      },
    },
    verbosity: { type: ['string', 'null'], enum: ['low', 'medium', 'high', null] },
  },
} as const;

const toolChoiceSchema = {
  description: '`none`, `auto`, `required`, or an object naming a tool.',
  anyOf: [{ type: 'string', enum: ['none', 'auto', 'required'] }, { type: 'object', additionalProperties: true }],
} as const;

/** Request fields a response echoes back. */
const echoedFields = {
  instructions: { anyOf: [{ type: 'string' }, { type: 'array', items: ref('InputItem') }, { type: 'null' }] },
  max_output_tokens: { type: ['integer', 'null'] },
  metadata: metadataSchema,
  parallel_tool_calls: { type: ['boolean', 'null'] },
  previous_response_id: { type: ['string', 'null'] },
  reasoning: reasoningSchema,
  service_tier: { type: ['string', 'null'] },
  store: { type: ['boolean', 'null'] },
  temperature: { type: ['number', 'null'] },
  text: textConfigSchema,
  tool_choice: toolChoiceSchema,
  tools: { type: 'array', items: toolSchema },
  top_p: { type: ['number', 'null'] },
  truncation: { type: ['string', 'null'], enum: ['auto', 'disabled', null] },
  user: { type: ['string', 'null'] },
} as const;

export const createResponseSchema = {
  $id: 'CreateResponse',
  title: 'CreateResponse',
  description:
    "Forwarded to the upstream byte for byte. The gateway reads only `model` (required here because the gateway routes on it; it must name an API model with the 'openai_responses' format); every other field is the upstream's business, including ones not listed.",
  type: 'object',
  required: ['model'],
  additionalProperties: true,
  properties: {
    model: { type: 'string', description: 'A model id served by an `openai_responses` API model (prefix included).', examples: ['gpt-5'] },
    input: { description: 'Text, or a list of input items.', anyOf: [{ type: 'string' }, { type: 'array', items: ref('InputItem') }] },
    instructions: { type: ['string', 'null'], description: 'A system (developer) message for this response.' },
    previous_response_id: { type: ['string', 'null'], description: 'Continue from an earlier response (must be served by the same API model).' },
    conversation: { anyOf: [{ type: 'string' }, { type: 'object', additionalProperties: true }, { type: 'null' }] },
    include: { type: ['array', 'null'], items: { type: 'string' }, examples: [['reasoning.encrypted_content']] },
    tools: echoedFields.tools,
    tool_choice: echoedFields.tool_choice,
    parallel_tool_calls: echoedFields.parallel_tool_calls,
    max_output_tokens: echoedFields.max_output_tokens,
    max_tool_calls: { type: ['integer', 'null'] },
    temperature: { type: ['number', 'null'], minimum: 0, maximum: 2 },
    top_p: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    top_logprobs: { type: ['integer', 'null'], minimum: 0, maximum: 20 },
    truncation: echoedFields.truncation,
    reasoning: echoedFields.reasoning,
    text: echoedFields.text,
    metadata: metadataSchema,
    store: { type: ['boolean', 'null'], description: 'Store the response upstream so it can be retrieved later (default true).' },
    stream: { type: ['boolean', 'null'], description: 'Answer with server-sent events (`text/event-stream`) instead of one JSON object.' },
    stream_options: { type: ['object', 'null'], additionalProperties: true, properties: { include_obfuscation: { type: 'boolean' } } },
    background: { type: ['boolean', 'null'], description: 'Run in the background: poll GET /v1/responses/{id}; cancellable.' },
    service_tier: { type: ['string', 'null'], enum: ['auto', 'default', 'flex', 'scale', 'priority', null] },
    prompt: { type: ['object', 'null'], additionalProperties: true, properties: { id: { type: 'string' }, version: { type: ['string', 'null'] }, variables: { type: ['object', 'null'] } } },
    prompt_cache_key: { type: 'string' },
    safety_identifier: { type: 'string' },
    user: { type: 'string', deprecated: true },
  },
  examples: [{ model: 'gpt-5', input: 'Plan a 3-day Tokyo itinerary.' }],
} as const;

const outputTextSchema = {
  type: 'object',
  required: ['type'],
  additionalProperties: true,
  properties: {
    type: { type: 'string', enum: ['output_text', 'refusal'] },
    text: { type: 'string' },
    refusal: { type: 'string' },
    annotations: { type: 'array', items: { type: 'object', additionalProperties: true } },
    logprobs: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
} as const;

export const outputItemSchema = {
  $id: 'OutputItem',
  title: 'OutputItem',
  description:
    'An item the model produced: `message` (role assistant, content of output_text / refusal parts), `function_call` {call_id, name, arguments}, `reasoning` {summary, encrypted_content}, or a built-in tool call (web_search_call, file_search_call, ...).',
  type: 'object',
  required: ['type'],
  additionalProperties: true,
  properties: {
    id: { type: 'string', examples: ['msg_67ccd3acc8d48190a77525dc6de64b4104becb25c6fc6a5f'] },
    type: { type: 'string', examples: ['message', 'function_call', 'reasoning', 'web_search_call'] },
    status: { type: 'string', enum: ['in_progress', 'completed', 'incomplete'] },
    role: { type: 'string', const: 'assistant' },
    content: { type: 'array', items: outputTextSchema },
    call_id: { type: 'string' },
    name: { type: 'string' },
    arguments: { type: 'string', description: 'JSON-encoded arguments of a function_call.' },
    summary: { type: 'array', items: { type: 'object', additionalProperties: true, properties: { type: { type: 'string' }, text: { type: 'string' } } } },
    encrypted_content: { type: ['string', 'null'] },
  },
} as const;

const usageSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['input_tokens', 'output_tokens', 'total_tokens'],
  properties: {
    input_tokens: { type: 'integer' },
    input_tokens_details: { type: 'object', additionalProperties: true, properties: { cached_tokens: { type: 'integer' } } },
    output_tokens: { type: 'integer' },
    output_tokens_details: { type: 'object', additionalProperties: true, properties: { reasoning_tokens: { type: 'integer' } } },
    total_tokens: { type: 'integer' },
  },
} as const;

export const responseSchema = {
  $id: 'Response',
  title: 'Response',
  description: 'A response object as the upstream returns it (passed through unchanged). Poll it until `status` is completed, failed, cancelled or incomplete; read `output`.',
  type: 'object',
  required: ['id', 'object', 'created_at', 'status', 'model', 'output'],
  additionalProperties: true,
  properties: {
    id: { type: 'string', examples: ['resp_67ccd3a9da748190baa7f1570fe91ac604becb25c6fc6a5f'] },
    object: { type: 'string', const: 'response' },
    created_at: { type: 'number', description: 'Unix seconds.' },
    status: { type: 'string', enum: ['queued', 'in_progress', 'completed', 'failed', 'cancelled', 'incomplete'] },
    background: { type: ['boolean', 'null'] },
    error: { type: ['object', 'null'], additionalProperties: true, properties: { code: { type: 'string' }, message: { type: 'string' } } },
    incomplete_details: { type: ['object', 'null'], additionalProperties: true, properties: { reason: { type: 'string' } } },
    model: { type: 'string' },
    output: { type: 'array', items: ref('OutputItem') },
    usage: nullable(usageSchema),
    conversation: { type: ['object', 'null'], additionalProperties: true },
    ...echoedFields,
  },
} as const;

export const responseItemListSchema = {
  $id: 'ResponseItemList',
  title: 'ResponseItemList',
  description: 'A page of the input items of a response (newest first unless `order=asc`).',
  type: 'object',
  required: ['object', 'data', 'has_more'],
  additionalProperties: true,
  properties: {
    object: { type: 'string', const: 'list' },
    data: { type: 'array', items: ref('InputItem') },
    first_id: { type: ['string', 'null'] },
    last_id: { type: ['string', 'null'] },
    has_more: { type: 'boolean' },
  },
} as const;

export const responseDeletedSchema = {
  $id: 'ResponseDeleted',
  title: 'ResponseDeleted',
  type: 'object',
  required: ['id', 'object', 'deleted'],
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    object: { type: 'string', const: 'response.deleted' },
    deleted: { type: 'boolean', const: true },
  },
} as const;

export const inputTokensResultSchema = {
  $id: 'ResponseInputTokens',
  title: 'ResponseInputTokens',
  type: 'object',
  required: ['object', 'input_tokens'],
  additionalProperties: true,
  properties: {
    object: { type: 'string', const: 'response.input_tokens' },
    input_tokens: { type: 'integer' },
  },
} as const;

export const compactionSchema = {
  $id: 'ResponseCompaction',
  title: 'ResponseCompaction',
  description: 'A compacted version of the conversation, to use as `input` of a follow-up.',
  type: 'object',
  required: ['object'],
  additionalProperties: true,
  properties: {
    id: { type: 'string' },
    object: { type: 'string', const: 'response.compaction' },
    created_at: { type: 'number' },
    output: { type: 'array', items: ref('InputItem'), description: 'The compacted conversation, ready to send as `input`.' },
    usage: usageSchema,
  },
} as const;

export const RESPONSE_EVENT_TYPES = [
  'response.created',
  'response.queued',
  'response.in_progress',
  'response.output_item.added',
  'response.content_part.added',
  'response.output_text.delta',
  'response.output_text.done',
  'response.content_part.done',
  'response.output_item.done',
  'response.reasoning_summary_text.delta',
  'response.function_call_arguments.delta',
  'response.function_call_arguments.done',
  'response.refusal.delta',
  'response.completed',
  'response.failed',
  'response.incomplete',
  'keepalive',
  'error',
] as const;

export const responseStreamEventSchema = {
  $id: 'ResponseStreamEvent',
  title: 'ResponseStreamEvent',
  description:
    'With `"stream": true` the answer is `text/event-stream`: each event is `event: <type>` + `data: <this JSON>` and a blank line, with `sequence_number` counting from 0. Typical order: response.created, response.in_progress, response.output_item.added, response.content_part.added, response.output_text.delta (many), response.output_text.done, response.content_part.done, response.output_item.done, response.completed. The stream ends after response.completed / failed / incomplete (no `[DONE]`). The gateway passes the bytes through as they arrive, unchanged.',
  type: 'object',
  required: ['type', 'sequence_number'],
  additionalProperties: true,
  properties: {
    type: { type: 'string', examples: [...RESPONSE_EVENT_TYPES] },
    sequence_number: { type: 'integer', minimum: 0 },
    response: { ...ref('Response'), description: 'response.created / in_progress / completed / failed / incomplete.' },
    output_index: { type: 'integer' },
    item: { ...ref('OutputItem'), description: 'response.output_item.added / done.' },
    item_id: { type: 'string' },
    content_index: { type: 'integer' },
    part: { type: 'object', additionalProperties: true },
    delta: { type: 'string', description: 'response.output_text.delta: the next piece of text.' },
    text: { type: 'string', description: 'response.output_text.done: the whole text.' },
    error: { type: 'object', additionalProperties: true, description: 'error events: {type, code, message, param}.' },
  },
} as const;

export const responsesSchemas = [
  inputItemSchema,
  createResponseSchema,
  outputItemSchema,
  responseSchema,
  responseItemListSchema,
  responseDeletedSchema,
  inputTokensResultSchema,
  compactionSchema,
  responseStreamEventSchema,
];
