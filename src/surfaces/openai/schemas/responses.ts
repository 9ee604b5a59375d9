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

// The stream events, one schema per event type (after OpenAI's API reference, plus the
// keepalive the wire carries), combined in ResponseStreamEvent: a union discriminated by `type`.

interface EventSpec {
  /** The component's name (OpenAI's, where it has one). */
  readonly name: string;
  readonly description: string;
  /** Fields besides `type` and `sequence_number`, all required unless listed in `optional`. */
  readonly fields: Record<string, object>;
  readonly optional?: readonly string[];
}

const integer = { type: 'integer', minimum: 0 } as const;
const text = { type: 'string' } as const;
const responseField = ref('Response');
const outputIndex = { ...integer, description: 'The output item the event is about (its index in `response.output`).' };
const itemId = { type: 'string', description: 'The id of that output item.' } as const;
const contentIndex = { ...integer, description: 'The content part within the item.' };
const logprobs = { type: 'array', items: { type: 'object', additionalProperties: true } } as const;
const contentPart = {
  type: 'object',
  required: ['type'],
  additionalProperties: true,
  description: '`output_text` {text, annotations}, `refusal` {refusal} or `reasoning_text` {text}.',
  properties: { type: { type: 'string', examples: ['output_text', 'refusal', 'reasoning_text'] }, text, refusal: text, annotations: logprobs },
} as const;
const summaryPart = { type: 'object', required: ['type', 'text'], additionalProperties: true, properties: { type: { type: 'string', const: 'summary_text' }, text } } as const;
const onItem = { item_id: itemId, output_index: outputIndex } as const;
const onContent = { ...onItem, content_index: contentIndex } as const;
const onSummary = { ...onItem, summary_index: { ...integer, description: 'The summary part within the reasoning item.' } } as const;

const lifecycle = (type: string, name: string, when: string): [string, EventSpec] => [
  type,
  { name, description: `${when} \`response\` is the Response as it stands.`, fields: { response: responseField } },
];
/** A built-in tool call's progress: just the item it is about. */
const toolProgress = (type: string, name: string, what: string): [string, EventSpec] => [type, { name, description: what, fields: onItem }];

const EVENT_SPECS: readonly [string, EventSpec][] = [
  lifecycle('response.created', 'ResponseCreatedEvent', 'The first event of every stream.'),
  lifecycle('response.queued', 'ResponseQueuedEvent', 'A background response is waiting to start.'),
  lifecycle('response.in_progress', 'ResponseInProgressEvent', 'The response is being generated.'),
  lifecycle('response.completed', 'ResponseCompletedEvent', 'Terminal: the response finished; the stream ends.'),
  lifecycle('response.failed', 'ResponseFailedEvent', 'Terminal: the response failed (see `response.error`); the stream ends.'),
  lifecycle('response.incomplete', 'ResponseIncompleteEvent', 'Terminal: the response stopped early (see `response.incomplete_details`); the stream ends.'),
  ['response.output_item.added', { name: 'ResponseOutputItemAddedEvent', description: 'A new output item (message, function_call, reasoning, ...) starts.', fields: { output_index: outputIndex, item: ref('OutputItem') } }],
  ['response.output_item.done', { name: 'ResponseOutputItemDoneEvent', description: 'An output item is complete.', fields: { output_index: outputIndex, item: ref('OutputItem') } }],
  ['response.content_part.added', { name: 'ResponseContentPartAddedEvent', description: 'A new content part of a message starts.', fields: { ...onContent, part: contentPart } }],
  ['response.content_part.done', { name: 'ResponseContentPartDoneEvent', description: 'A content part is complete.', fields: { ...onContent, part: contentPart } }],
  [
    'response.output_text.delta',
    {
      name: 'ResponseTextDeltaEvent',
      description: 'The next piece of text of an output_text part.',
      fields: { ...onContent, delta: text, logprobs, obfuscation: { type: 'string', description: 'Random padding (stream_options.include_obfuscation).' } },
      optional: ['logprobs', 'obfuscation'],
    },
  ],
  ['response.output_text.done', { name: 'ResponseTextDoneEvent', description: 'The whole text of an output_text part.', fields: { ...onContent, text, logprobs }, optional: ['logprobs'] }],
  [
    'response.output_text.annotation.added',
    { name: 'ResponseOutputTextAnnotationAddedEvent', description: 'An annotation (a citation, a file path, ...) of an output_text part.', fields: { ...onContent, annotation_index: integer, annotation: { type: 'object', additionalProperties: true } } },
  ],
  ['response.refusal.delta', { name: 'ResponseRefusalDeltaEvent', description: 'The next piece of a refusal.', fields: { ...onContent, delta: text } }],
  ['response.refusal.done', { name: 'ResponseRefusalDoneEvent', description: 'The whole refusal.', fields: { ...onContent, refusal: text } }],
  ['response.function_call_arguments.delta', { name: 'ResponseFunctionCallArgumentsDeltaEvent', description: 'The next piece of a function_call item\'s JSON arguments.', fields: { ...onItem, delta: text } }],
  [
    'response.function_call_arguments.done',
    { name: 'ResponseFunctionCallArgumentsDoneEvent', description: 'A function_call item\'s whole JSON arguments.', fields: { ...onItem, name: text, arguments: text }, optional: ['name'] },
  ],
  ['response.custom_tool_call_input.delta', { name: 'ResponseCustomToolCallInputDeltaEvent', description: 'The next piece of a custom tool call\'s input.', fields: { ...onItem, delta: text } }],
  ['response.custom_tool_call_input.done', { name: 'ResponseCustomToolCallInputDoneEvent', description: 'A custom tool call\'s whole input.', fields: { ...onItem, input: text } }],
  ['response.reasoning_summary_part.added', { name: 'ResponseReasoningSummaryPartAddedEvent', description: 'A new part of a reasoning summary starts.', fields: { ...onSummary, part: summaryPart } }],
  ['response.reasoning_summary_part.done', { name: 'ResponseReasoningSummaryPartDoneEvent', description: 'A reasoning summary part is complete.', fields: { ...onSummary, part: summaryPart } }],
  ['response.reasoning_summary_text.delta', { name: 'ResponseReasoningSummaryTextDeltaEvent', description: 'The next piece of a reasoning summary.', fields: { ...onSummary, delta: text } }],
  ['response.reasoning_summary_text.done', { name: 'ResponseReasoningSummaryTextDoneEvent', description: 'A reasoning summary part\'s whole text.', fields: { ...onSummary, text } }],
  ['response.reasoning_text.delta', { name: 'ResponseReasoningTextDeltaEvent', description: 'The next piece of reasoning text.', fields: { ...onContent, delta: text } }],
  ['response.reasoning_text.done', { name: 'ResponseReasoningTextDoneEvent', description: 'The whole reasoning text of a content part.', fields: { ...onContent, text } }],
  toolProgress('response.web_search_call.in_progress', 'ResponseWebSearchCallInProgressEvent', 'A web search call starts.'),
  toolProgress('response.web_search_call.searching', 'ResponseWebSearchCallSearchingEvent', 'A web search call is searching.'),
  toolProgress('response.web_search_call.completed', 'ResponseWebSearchCallCompletedEvent', 'A web search call is complete.'),
  toolProgress('response.file_search_call.in_progress', 'ResponseFileSearchCallInProgressEvent', 'A file search call starts.'),
  toolProgress('response.file_search_call.searching', 'ResponseFileSearchCallSearchingEvent', 'A file search call is searching.'),
  toolProgress('response.file_search_call.completed', 'ResponseFileSearchCallCompletedEvent', 'A file search call is complete.'),
  toolProgress('response.code_interpreter_call.in_progress', 'ResponseCodeInterpreterCallInProgressEvent', 'A code interpreter call starts.'),
  toolProgress('response.code_interpreter_call.interpreting', 'ResponseCodeInterpreterCallInterpretingEvent', 'A code interpreter call is running its code.'),
  toolProgress('response.code_interpreter_call.completed', 'ResponseCodeInterpreterCallCompletedEvent', 'A code interpreter call is complete.'),
  ['response.code_interpreter_call_code.delta', { name: 'ResponseCodeInterpreterCallCodeDeltaEvent', description: 'The next piece of a code interpreter call\'s code.', fields: { ...onItem, delta: text } }],
  ['response.code_interpreter_call_code.done', { name: 'ResponseCodeInterpreterCallCodeDoneEvent', description: 'A code interpreter call\'s whole code.', fields: { ...onItem, code: text } }],
  toolProgress('response.image_generation_call.in_progress', 'ResponseImageGenCallInProgressEvent', 'An image generation call starts.'),
  toolProgress('response.image_generation_call.generating', 'ResponseImageGenCallGeneratingEvent', 'An image generation call is generating.'),
  [
    'response.image_generation_call.partial_image',
    { name: 'ResponseImageGenCallPartialImageEvent', description: 'A partial image (base64) while an image is generated.', fields: { ...onItem, partial_image_index: integer, partial_image_b64: text } },
  ],
  toolProgress('response.image_generation_call.completed', 'ResponseImageGenCallCompletedEvent', 'An image generation call is complete.'),
  ['response.mcp_call_arguments.delta', { name: 'ResponseMCPCallArgumentsDeltaEvent', description: 'The next piece of an MCP tool call\'s JSON arguments.', fields: { ...onItem, delta: text } }],
  ['response.mcp_call_arguments.done', { name: 'ResponseMCPCallArgumentsDoneEvent', description: 'An MCP tool call\'s whole JSON arguments.', fields: { ...onItem, arguments: text } }],
  toolProgress('response.mcp_call.in_progress', 'ResponseMCPCallInProgressEvent', 'An MCP tool call starts.'),
  toolProgress('response.mcp_call.completed', 'ResponseMCPCallCompletedEvent', 'An MCP tool call is complete.'),
  toolProgress('response.mcp_call.failed', 'ResponseMCPCallFailedEvent', 'An MCP tool call failed.'),
  toolProgress('response.mcp_list_tools.in_progress', 'ResponseMCPListToolsInProgressEvent', 'Listing an MCP server\'s tools starts.'),
  toolProgress('response.mcp_list_tools.completed', 'ResponseMCPListToolsCompletedEvent', 'An MCP server\'s tools are listed.'),
  toolProgress('response.mcp_list_tools.failed', 'ResponseMCPListToolsFailedEvent', 'Listing an MCP server\'s tools failed.'),
  ['keepalive', { name: 'ResponseKeepaliveEvent', description: 'Sent on long, quiet streams so that connections stay open; carries nothing else.', fields: {} }],
  [
    'error',
    {
      name: 'ResponseErrorEvent',
      description: 'An error during the stream. OpenAI documents `code`, `message` and `param` at the top level; live streams carry them in `error` {type, code, message, param}.',
      fields: {
        error: { type: 'object', additionalProperties: true, properties: { type: text, code: { type: ['string', 'null'] }, message: text, param: { type: ['string', 'null'] } } },
        code: { type: ['string', 'null'] },
        message: text,
        param: { type: ['string', 'null'] },
      },
      optional: ['error', 'code', 'message', 'param'],
    },
  ],
];

export const RESPONSE_EVENT_TYPES = EVENT_SPECS.map(([type]) => type);

/** One component per event type: `type` is a constant, so exactly one of them matches an event. */
export const responseStreamEventSchemas = EVENT_SPECS.map(([type, { name, description, fields, optional = [] }]) => ({
  $id: name,
  title: name,
  description: `\`${type}\`: ${description}`,
  type: 'object',
  required: ['type', 'sequence_number', ...Object.keys(fields).filter((field) => !optional.includes(field))],
  additionalProperties: true,
  properties: {
    type: { type: 'string', const: type },
    sequence_number: { ...integer, description: 'Counts the events of the stream from 0.' },
    ...fields,
  },
}));

export const responseStreamEventSchema = {
  $id: 'ResponseStreamEvent',
  title: 'ResponseStreamEvent',
  description:
    'With `"stream": true` the answer is `text/event-stream`: each event is `event: <type>` + `data: <this JSON>` and a blank line, with `sequence_number` counting from 0. One schema per event type, told apart by `type`. Typical order: response.created, response.in_progress, response.output_item.added, response.content_part.added, response.output_text.delta (many), response.output_text.done, response.content_part.done, response.output_item.done, response.completed. The stream ends after response.completed / failed / incomplete (no `[DONE]`). The gateway passes the bytes through as they arrive, unchanged, including event types added upstream after this list.',
  oneOf: responseStreamEventSchemas.map((schema) => ref(schema.$id)),
  discriminator: {
    propertyName: 'type',
    mapping: Object.fromEntries(EVENT_SPECS.map(([type, { name }]) => [type, `#/components/schemas/${name}`])),
  },
};

export const responsesSchemas = [
  inputItemSchema,
  createResponseSchema,
  outputItemSchema,
  responseSchema,
  responseItemListSchema,
  responseDeletedSchema,
  inputTokensResultSchema,
  compactionSchema,
  ...responseStreamEventSchemas,
  responseStreamEventSchema,
];
