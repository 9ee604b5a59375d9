// GET /v1/models shapes: OpenAI's model object plus the gateway's `bodhi` extension.
import { API_FORMATS } from '../../../providers/formats.js';

export const modelSchema = {
  $id: 'Model',
  title: 'Model',
  type: 'object',
  required: ['id', 'object', 'created', 'owned_by'],
  properties: {
    id: { type: 'string', description: 'The id clients send as `model` (prefix included).', examples: ['res/gpt-5'] },
    object: { type: 'string', const: 'model' },
    created: { type: 'integer', description: 'Unix seconds (when the API model was added).' },
    owned_by: { type: 'string', description: 'The API format serving it.' },
    bodhi: {
      type: 'object',
      description: 'Gateway extension: what serves this id.',
      required: ['kind'],
      properties: {
        kind: { type: 'string', enum: ['api', 'local', 'router'], description: '`api`: an API model serves it; `local`: a local alias (llama.cpp); `router`: a router over several API models.' },
        api_model: { type: 'string', description: 'Name of the API model (kind `api`).' },
        api_format: { type: 'string', enum: [...API_FORMATS], description: 'Kinds `api` and `router`.' },
        router: { type: 'string', description: 'Name of the router (kind `router`).' },
        targets: { type: 'array', items: { type: 'string' }, description: "A router's targets as `api model/upstream model`, in fallback order." },
        model_file: { type: 'string', description: "The GGUF file's name (kind `local`)." },
        context_size: { type: ['integer', 'null'], description: 'Kind `local`.' },
      },
    },
  },
} as const;

export const modelListSchema = {
  $id: 'ModelList',
  title: 'ModelList',
  description: "The models the calling token may use (its allow-list applied). Forward-all prefixes are not listed (see GET /bodhi/v1/models).",
  type: 'object',
  required: ['object', 'data'],
  properties: {
    object: { type: 'string', const: 'list' },
    data: { type: 'array', items: { $ref: 'Model#' } },
  },
} as const;

export const modelsSchemas = [modelSchema, modelListSchema];
