// JSON schemas for /bodhi/v1/aliases (local llama.cpp aliases): Fastify validates request bodies
// with them and the OpenAPI document can be generated from the same objects.
import { SAMPLING_KEYS } from '../../providers/local/sampling-params.js';

export const localAliasInputSchema = {
  $id: 'LocalAliasInput',
  title: 'LocalAliasInput',
  type: 'object',
  required: ['name', 'model_file'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'The model id clients send, e.g. "llama3" (shares the namespace with API model ids).' },
    model_file: { type: 'string', description: 'Path of a .gguf model file on the gateway host; checked to be a readable GGUF model.' },
    context_size: { type: ['integer', 'null'], description: 'Context window in tokens; null = BODHI_LOCAL_CONTEXT_SIZE capped at the model\'s training context.' },
    request_params: {
      type: ['object', 'null'],
      description: `Defaults for requests (the request wins). Keys: ${SAMPLING_KEYS.join(', ')}.`,
      examples: [{ temperature: 0.7, max_tokens: 512 }],
    },
  },
} as const;

export const localAliasSchema = {
  $id: 'LocalAlias',
  title: 'LocalAlias',
  type: 'object',
  required: ['id', 'name', 'kind', 'model_file', 'context_size', 'request_params', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    kind: { type: 'string', enum: ['local'] },
    model_file: { type: 'string' },
    context_size: { type: ['integer', 'null'] },
    request_params: { type: 'object', additionalProperties: true },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const localAliasListSchema = {
  $id: 'LocalAliasList',
  title: 'LocalAliasList',
  type: 'object',
  required: ['object', 'data'],
  properties: { object: { type: 'string', const: 'list' }, data: { type: 'array', items: { $ref: 'LocalAlias#' } } },
} as const;

export const localAliasDeletedSchema = {
  $id: 'LocalAliasDeleted',
  title: 'LocalAliasDeleted',
  type: 'object',
  required: ['id', 'object', 'deleted'],
  properties: { id: { type: 'string' }, object: { type: 'string', const: 'local_alias.deleted' }, deleted: { type: 'boolean', const: true } },
} as const;

export const localAliasFileCheckSchema = {
  $id: 'LocalAliasFileCheck',
  title: 'LocalAliasFileCheck',
  type: 'object',
  required: ['model_file'],
  additionalProperties: false,
  properties: { model_file: { type: 'string', description: 'Path of a .gguf model file on the gateway host.' } },
} as const;

export const localAliasFileCheckedSchema = {
  $id: 'LocalAliasFileChecked',
  title: 'LocalAliasFileChecked',
  type: 'object',
  required: ['object', 'model_file', 'valid'],
  properties: {
    object: { type: 'string', const: 'local_alias.file_check' },
    model_file: { type: 'string', description: 'The full path the gateway resolved and checked.' },
    valid: { type: 'boolean', const: true },
  },
} as const;

export const aliasSchemas = [localAliasInputSchema, localAliasSchema, localAliasListSchema, localAliasDeletedSchema, localAliasFileCheckSchema, localAliasFileCheckedSchema];
