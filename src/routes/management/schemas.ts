// JSON schemas for the management API: Fastify validates request bodies with them and the
// OpenAPI document (issue: docs) is generated from the same objects.
import { API_FORMATS } from '../../models/formats.js';
import { SCOPES } from '../../auth/scopes.js';

const nullableString = { type: ['string', 'null'] } as const;

export const apiModelInputSchema = {
  type: 'object',
  required: ['name', 'api_format', 'base_url'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'Unique name, e.g. "openai-responses".' },
    api_format: { type: 'string', enum: [...API_FORMATS], description: '`openai` = Chat Completions + Embeddings; `openai_responses` = Responses API.' },
    base_url: { type: 'string', description: 'Upstream base URL; paths like /responses are appended.', examples: ['https://api.openai.com/v1'] },
    api_key: { ...nullableString, description: 'Write-only. Omit to keep the current key, null to clear it.' },
    models: { type: 'array', items: { type: 'string' }, description: 'Upstream model ids served by this API model.' },
    prefix: { ...nullableString, description: 'Optional prefix clients add to model ids, e.g. "res/".' },
    forward_all: { type: 'boolean', description: 'Forward every model id that starts with the prefix.' },
  },
} as const;

export const apiModelSchema = {
  type: 'object',
  required: ['id', 'name', 'api_format', 'base_url', 'has_api_key', 'models', 'prefix', 'forward_all', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    api_format: { type: 'string' },
    base_url: { type: 'string' },
    has_api_key: { type: 'boolean' },
    models: { type: 'array', items: { type: 'string' } },
    prefix: nullableString,
    forward_all: { type: 'boolean' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const tokenInputSchema = {
  type: 'object',
  required: ['name'],
  additionalProperties: false,
  properties: {
    name: { type: 'string' },
    scope: { type: 'string', enum: [...SCOPES] },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
    allowed_models: { type: ['array', 'null'], items: { type: 'string' } },
    rate_limit_rpm: { type: ['integer', 'null'], minimum: 1 },
  },
} as const;

export const tokenUpdateSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...tokenInputSchema.properties,
    status: { type: 'string', enum: ['active', 'revoked'] },
  },
} as const;

export const tokenSchema = {
  type: 'object',
  required: ['id', 'name', 'scope', 'status', 'token_hint', 'created_at', 'updated_at', 'last_used_at', 'expires_at', 'allowed_models', 'rate_limit_rpm'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    scope: { type: 'string', enum: [...SCOPES] },
    status: { type: 'string', enum: ['active', 'revoked'] },
    token_hint: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
    last_used_at: { type: ['string', 'null'], format: 'date-time' },
    expires_at: { type: ['string', 'null'], format: 'date-time' },
    allowed_models: { type: ['array', 'null'], items: { type: 'string' } },
    rate_limit_rpm: { type: ['integer', 'null'] },
  },
} as const;

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', description: 'The id (or the name).' } },
} as const;
