// JSON schemas for the management API. Registered once by $id (app/docs.ts): Fastify
// validates request bodies and serialises responses with them, and the OpenAPI document is
// generated from the same objects.
import { API_FORMATS } from '../../providers/formats.js';
import { SCOPES } from '../../auth/scopes.js';
import { GROUP_BYS } from '../../usage/usage-service.js';
import { aliasSchemas } from './alias-schemas.js';
import { routerSchemas } from './router-schemas.js';
import { requestLogSchemas } from './requests.js';

const nullableString = { type: ['string', 'null'] } as const;

/** What each api_format means: which client endpoints its models serve. */
const FORMAT_DESCRIPTION =
  '`openai` = Chat Completions + Embeddings (/v1/chat/completions, /v1/embeddings); `openai_responses` = Responses API (/v1/responses); `anthropic` = Anthropic Messages API (/v1/messages, /anthropic/v1/messages); `gemini` = Google Gemini API (/v1beta/models/{model}:generateContent and the other /v1beta calls).';
/** Base URLs as the providers document them (OpenAI, Anthropic, Gemini). */
const BASE_URL_EXAMPLES = ['https://api.openai.com/v1', 'https://api.anthropic.com/v1', 'https://generativelanguage.googleapis.com/v1beta'];
/** Only the openai formats have account headers; the other formats never send them. */
const OPENAI_ONLY = ' Used by the `openai` and `openai_responses` formats only.';
const OPENAI_ONLY_STORED = ' Only for the `openai` and `openai_responses` formats: a 400 for the others, and a value kept from an openai format is dropped.';
const openaiOrganization = {
  ...nullableString,
  description: 'Sent upstream as `OpenAI-Organization` on every request of this API model (a client\'s own header is dropped). Omit to keep the current value on update; null or "" for none.' + OPENAI_ONLY_STORED,
  examples: ['org-abc123'],
} as const;
const openaiProject = {
  ...nullableString,
  description: 'Sent upstream as `OpenAI-Project` on every request of this API model (a client\'s own header is dropped). Omit to keep the current value on update; null or "" for none.' + OPENAI_ONLY_STORED,
  examples: ['proj_abc123'],
} as const;
/** The WebSocket setting's rule, shared by the input and the view. */
const WEBSOCKET_RULE =
  'Whether the upstream serves the Responses API over WebSocket (`GET /v1/responses` with Upgrade). null = automatic: on when the base URL\'s host is `api.openai.com`, off otherwise; true/false override it. Only for the `openai_responses` format: true/false for another format is a 400, and a value kept from an openai_responses API model is reset to null.';
const list = (id: string, item: string, description?: string) =>
  ({
    $id: id,
    title: id,
    ...(description ? { description } : {}),
    type: 'object',
    required: ['object', 'data'],
    properties: { object: { type: 'string', const: 'list' }, data: { type: 'array', items: { $ref: `${item}#` } } },
  }) as const;

export const apiModelInputSchema = {
  $id: 'ApiModelInput',
  title: 'ApiModelInput',
  type: 'object',
  required: ['name', 'api_format', 'base_url'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'Unique name, e.g. "openai-responses".' },
    api_format: { type: 'string', enum: [...API_FORMATS], description: FORMAT_DESCRIPTION },
    base_url: {
      type: 'string',
      description: 'Upstream base URL as the provider documents it, version included; paths like /responses, /messages or /models/{model}:generateContent are appended.',
      examples: BASE_URL_EXAMPLES,
    },
    api_key: { ...nullableString, writeOnly: true, description: 'Write-only. Omit to keep the current key, null to clear it.' },
    models: { type: 'array', items: { type: 'string' }, description: 'Upstream model ids served by this API model.' },
    prefix: { ...nullableString, description: 'Optional prefix clients add to model ids, e.g. "res/".' },
    forward_all: { type: 'boolean', description: 'Forward every model id that starts with the prefix.' },
    openai_organization: openaiOrganization,
    openai_project: openaiProject,
    websocket: { type: ['boolean', 'null'], description: WEBSOCKET_RULE + ' Omit to keep the current value on update (null when creating).' },
  },
  examples: [
    { name: 'openai-responses', api_format: 'openai_responses', base_url: 'https://api.openai.com/v1', api_key: 'YOUR_OPENAI_API_KEY', models: ['gpt-5', 'gpt-4.1'] },
    { name: 'anthropic', api_format: 'anthropic', base_url: 'https://api.anthropic.com/v1', api_key: 'YOUR_ANTHROPIC_API_KEY', models: ['claude-sonnet-4-5'] },
    { name: 'gemini', api_format: 'gemini', base_url: 'https://generativelanguage.googleapis.com/v1beta', api_key: 'YOUR_GEMINI_API_KEY', models: ['gemini-2.5-flash'] },
  ],
} as const;

export const apiModelSchema = {
  $id: 'ApiModel',
  title: 'ApiModel',
  description: 'An API model as the management API shows it: never the key, only whether one is set.',
  type: 'object',
  required: ['id', 'name', 'api_format', 'base_url', 'has_api_key', 'models', 'prefix', 'forward_all', 'openai_organization', 'openai_project', 'websocket', 'websocket_effective', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    api_format: { type: 'string', enum: [...API_FORMATS], description: FORMAT_DESCRIPTION },
    base_url: { type: 'string' },
    has_api_key: { type: 'boolean' },
    models: { type: 'array', items: { type: 'string' } },
    prefix: nullableString,
    forward_all: { type: 'boolean' },
    openai_organization: { ...nullableString, description: 'Sent upstream as `OpenAI-Organization`; null: not sent.' },
    openai_project: { ...nullableString, description: 'Sent upstream as `OpenAI-Project`; null: not sent.' },
    websocket: { type: ['boolean', 'null'], description: 'The stored choice; null = automatic. ' + WEBSOCKET_RULE },
    websocket_effective: { type: 'boolean', description: 'What the gateway does: the stored `websocket`, or the automatic rule\'s answer when it is null (always false for formats other than `openai_responses`).' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const apiModelListSchema = list('ApiModelList', 'ApiModel');

export const apiModelDeletedSchema = {
  $id: 'ApiModelDeleted',
  title: 'ApiModelDeleted',
  type: 'object',
  required: ['id', 'object', 'deleted'],
  properties: { id: { type: 'string' }, object: { type: 'string', const: 'api_model.deleted' }, deleted: { type: 'boolean' } },
} as const;

export const apiFormatListSchema = {
  $id: 'ApiFormatList',
  title: 'ApiFormatList',
  type: 'object',
  required: ['object', 'data'],
  properties: {
    object: { type: 'string', const: 'list' },
    data: {
      type: 'array',
      items: { type: 'object', required: ['id', 'label'], properties: { id: { type: 'string', enum: [...API_FORMATS] }, label: { type: 'string' } } },
    },
  },
} as const;

/** Where an upstream check gets its key: typed in (`api_key`), or stored on an API model. */
const upstreamCredentials = {
  api_key: { ...nullableString, writeOnly: true, description: 'The key to use. Omit it to use the stored key of `api_model_id`; null for none.' },
  openai_organization: { ...nullableString, description: 'Sent as `OpenAI-Organization`. Omitted: the stored one of `api_model_id` when its stored key is used; null for none.' + OPENAI_ONLY },
  openai_project: { ...nullableString, description: 'Sent as `OpenAI-Project`. Omitted: the stored one of `api_model_id` when its stored key is used; null for none.' + OPENAI_ONLY },
  api_model_id: { type: 'string', description: 'An existing API model (id or name) whose stored key is used when `api_key` is omitted. Its key is only sent to its own stored base URL: a different `base_url` is a 400 (type the key instead).' },
} as const;

export const fetchModelsInputSchema = {
  $id: 'FetchModelsInput',
  title: 'FetchModelsInput',
  type: 'object',
  required: ['base_url'],
  additionalProperties: false,
  properties: {
    api_format: {
      type: 'string',
      enum: [...API_FORMATS],
      description:
        "The API the upstream speaks, which decides how its models are listed: `openai` and `openai_responses` GET /models with a Bearer key; `anthropic` GET /models with `x-api-key` and `anthropic-version`; `gemini` GET /models with `x-goog-api-key` (ids without Gemini's `models/`). Default `openai`.",
    },
    base_url: { type: 'string', examples: BASE_URL_EXAMPLES },
    ...upstreamCredentials,
  },
} as const;

export const fetchModelsResultSchema = {
  $id: 'FetchModelsResult',
  title: 'FetchModelsResult',
  type: 'object',
  required: ['models'],
  properties: { models: { type: 'array', items: { type: 'string' }, description: "Model ids from the upstream's model list (`GET /models` of the format), sorted." } },
} as const;

export const testConnectionInputSchema = {
  $id: 'TestConnectionInput',
  title: 'TestConnectionInput',
  type: 'object',
  required: ['api_format', 'base_url'],
  additionalProperties: false,
  properties: {
    api_format: { type: 'string', enum: [...API_FORMATS], description: "The API the upstream speaks: its own endpoints and key header are used." },
    base_url: { type: 'string', examples: BASE_URL_EXAMPLES },
    ...upstreamCredentials,
    model: {
      type: 'string',
      description:
        "An upstream model id. With it, a one-line prompt is sent to the format's endpoint (`openai`: POST /chat/completions; `openai_responses`: POST /responses; `anthropic`: POST /messages; `gemini`: POST /models/{model}:generateContent); without it, the format's model list (GET /models) is asked for.",
    },
  },
} as const;

export const testConnectionResultSchema = {
  $id: 'TestConnectionResult',
  title: 'TestConnectionResult',
  description: "The check ran: `success` says whether the upstream answered 2xx; otherwise `message` is the upstream's own error message.",
  type: 'object',
  required: ['success', 'status', 'message', 'latency_ms'],
  properties: {
    success: { type: 'boolean' },
    status: { type: ['integer', 'null'], description: 'The upstream HTTP status; null when it could not be reached.' },
    message: { type: 'string' },
    latency_ms: { type: 'integer' },
  },
} as const;

export const callableModelSchema = {
  $id: 'CallableModel',
  title: 'CallableModel',
  type: 'object',
  required: ['id', 'kind', 'match', 'api_format', 'api_model', 'upstream_model', 'local_alias'],
  properties: {
    id: { type: 'string', description: 'What clients send as `model`; for a forward-all prefix, the prefix followed by `*`.' },
    kind: { type: 'string', enum: ['api', 'local', 'router'], description: '`api`: forwarded to an API model; `local`: a local alias run by llama.cpp in the gateway; `router`: a router over several API models.' },
    match: { type: 'string', enum: ['exact', 'prefix'] },
    api_format: { type: ['string', 'null'], enum: [...API_FORMATS, null], description: 'The API model\'s format, which decides the client endpoints that accept this model (see ApiModelInput); null for a local alias (chat completions and embeddings).' },
    api_model: {
      type: ['object', 'null'],
      required: ['id', 'name'],
      properties: { id: { type: 'string' }, name: { type: 'string' } },
      description: 'The API model that serves it; null for a local alias.',
    },
    upstream_model: { type: ['string', 'null'], description: 'The id the upstream gets (prefix removed); null for a prefix or a local alias.' },
    local_alias: {
      type: ['object', 'null'],
      required: ['id', 'model_file', 'context_size'],
      properties: {
        id: { type: 'string' },
        model_file: { type: 'string', description: "The GGUF file's name (the full path is in /bodhi/v1/aliases)." },
        context_size: { type: ['integer', 'null'] },
      },
      description: 'The local alias that serves it; null for an API-served model.',
    },
    router: {
      type: 'object',
      required: ['id', 'targets'],
      properties: { id: { type: 'string' }, targets: { type: 'array', items: { type: 'string' }, description: '`api model/upstream model`, in fallback order.' } },
      description: 'Set for a router.',
    },
  },
} as const;

export const callableModelListSchema = list('CallableModelList', 'CallableModel', 'Every model id the gateway routes, with the API model or local alias that serves it.');

export const tokenInputSchema = {
  $id: 'TokenInput',
  title: 'TokenInput',
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    scope: { type: 'string', enum: [...SCOPES], description: 'Default `user`. `user` and `power_user` may call /v1; `admin` may also use the management API.' },
    expires_at: { type: ['string', 'null'], format: 'date-time', description: 'When the token stops working; must be in the future (a 400 otherwise). null: never.' },
    allowed_models: { type: ['array', 'null'], items: { type: 'string' }, description: 'Model ids this token may call; null for all.' },
    rate_limit_rpm: { type: ['integer', 'null'], minimum: 1 },
  },
} as const;

export const tokenUpdateSchema = {
  $id: 'TokenUpdate',
  title: 'TokenUpdate',
  type: 'object',
  additionalProperties: false,
  properties: {
    ...tokenInputSchema.properties,
    status: { type: 'string', enum: ['active', 'revoked'] },
  },
} as const;

const tokenProperties = {
  id: { type: 'string' },
  name: { type: 'string' },
  scope: { type: 'string', enum: [...SCOPES] },
  status: { type: 'string', enum: ['active', 'revoked'], description: 'What was set: `revoked` once revoked, else `active` (also after expiry; see `state`).' },
  state: {
    type: 'string',
    enum: ['active', 'expired', 'revoked'],
    description: 'What the token is now: `revoked`, `expired` (`expires_at` has passed; requests get 401 `token_expired`) or `active`.',
  },
  token_hint: { type: 'string', description: 'The first characters of the token, to recognise it.' },
  created_at: { type: 'string', format: 'date-time' },
  updated_at: { type: 'string', format: 'date-time' },
  last_used_at: { type: ['string', 'null'], format: 'date-time' },
  expires_at: { type: ['string', 'null'], format: 'date-time' },
  allowed_models: { type: ['array', 'null'], items: { type: 'string' } },
  rate_limit_rpm: { type: ['integer', 'null'] },
} as const;
const tokenRequired = ['id', 'name', 'scope', 'status', 'state', 'token_hint', 'created_at', 'updated_at', 'last_used_at', 'expires_at', 'allowed_models', 'rate_limit_rpm'] as const;

export const tokenSchema = {
  $id: 'Token',
  title: 'Token',
  type: 'object',
  required: [...tokenRequired],
  properties: tokenProperties,
} as const;

export const tokenCreatedSchema = {
  $id: 'TokenCreated',
  title: 'TokenCreated',
  description: 'The new token, with its value: shown this once, never again.',
  type: 'object',
  required: [...tokenRequired, 'token'],
  properties: { ...tokenProperties, token: { type: 'string', description: 'Send as `Authorization: Bearer <token>`.' } },
} as const;

export const tokenListSchema = list('TokenList', 'Token');

export const infoSchema = {
  $id: 'Info',
  title: 'Info',
  type: 'object',
  required: ['version', 'data_dir', 'database', 'counts'],
  properties: {
    version: { type: 'string' },
    data_dir: { type: 'string' },
    database: { type: 'object', required: ['kind', 'location'], properties: { kind: { type: 'string', enum: ['sqlite', 'postgres'] }, location: { type: 'string' } } },
    process: {
      type: 'object',
      description: 'The process that answered: its pid, its worker number under `bodhi serve --workers N` (null for a lone process) and N.',
      required: ['pid', 'worker', 'workers'],
      properties: { pid: { type: 'integer' }, worker: { type: ['integer', 'null'] }, workers: { type: 'integer' } },
    },
    counts: {
      type: 'object',
      required: ['api_models', 'tokens', 'active_tokens'],
      properties: {
        api_models: { type: 'integer' },
        tokens: { type: 'integer' },
        active_tokens: { type: 'integer', description: 'Tokens neither revoked nor expired.' },
      },
    },
  },
} as const;

const usageTotalsProperties = {
  requests: { type: 'integer' },
  errors: { type: 'integer', description: 'Calls answered with status >= 400.' },
  input_tokens: { type: 'integer' },
  output_tokens: { type: 'integer' },
  reasoning_tokens: { type: 'integer' },
  cached_tokens: { type: 'integer' },
  total_tokens: { type: 'integer', description: 'input_tokens + output_tokens.' },
} as const;
const usageTotalsRequired = Object.keys(usageTotalsProperties);

export const usageSummarySchema = {
  $id: 'UsageSummary',
  title: 'UsageSummary',
  description: "Requests and token usage from the request log. Each response's usage counts once (a background response's on the first poll that finds it finished).",
  type: 'object',
  required: ['object', 'since', 'until', 'by', 'totals', 'groups', 'series'],
  properties: {
    object: { type: 'string', const: 'usage.summary' },
    since: { type: 'string', format: 'date-time' },
    until: { type: 'string', format: 'date-time' },
    by: { type: 'string', enum: GROUP_BYS },
    totals: { type: 'object', required: usageTotalsRequired, properties: usageTotalsProperties },
    groups: {
      type: 'array',
      items: { type: 'object', required: ['key', ...usageTotalsRequired], properties: { key: nullableString, ...usageTotalsProperties } },
    },
    series: {
      type: 'object',
      required: ['bucket_seconds', 'data'],
      properties: {
        bucket_seconds: { type: 'integer' },
        data: {
          type: 'array',
          items: {
            type: 'object',
            required: ['bucket_start', 'key', ...usageTotalsRequired],
            properties: { bucket_start: { type: 'string', format: 'date-time' }, key: nullableString, ...usageTotalsProperties },
          },
        },
      },
    },
  },
} as const;

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', description: 'The id (or the name).' } },
} as const;

export const managementSchemas = [
  apiModelInputSchema,
  apiModelSchema,
  apiModelListSchema,
  apiModelDeletedSchema,
  apiFormatListSchema,
  fetchModelsInputSchema,
  fetchModelsResultSchema,
  testConnectionInputSchema,
  testConnectionResultSchema,
  callableModelSchema,
  callableModelListSchema,
  tokenInputSchema,
  tokenUpdateSchema,
  tokenSchema,
  tokenCreatedSchema,
  tokenListSchema,
  infoSchema,
  usageSummarySchema,
  ...aliasSchemas,
  ...routerSchemas,
  ...requestLogSchemas,
];
