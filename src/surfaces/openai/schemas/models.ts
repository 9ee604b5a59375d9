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
      required: ['kind', 'api_model', 'api_format'],
      properties: {
        kind: { type: 'string', enum: ['api'], description: 'Always `api`: the gateway runs no local models.' },
        api_model: { type: 'string', description: 'Name of the API model.' },
        api_format: { type: 'string', enum: [...API_FORMATS] },
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
