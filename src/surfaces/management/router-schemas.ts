// JSON schemas for /bodhi/v1/routers: Fastify validates request bodies with them and the
// OpenAPI document is generated from the same objects. The router service checks the rest
// (API models exist, one format, no name clash) and names the field that is wrong.
import { ROUTER_DEFAULTS, ROUTER_STRATEGIES } from '../../models/router-service.js';

const targetInput = {
  type: 'object',
  required: ['api_model', 'model'],
  additionalProperties: false,
  properties: {
    api_model: { type: 'string', description: 'Name (or id) of the API model to send calls to.' },
    model: { type: 'string', description: 'The model id the upstream gets in place of the router name, e.g. "gpt-5". Need not be listed by the API model.' },
    weight: { type: 'integer', minimum: 0, maximum: 1000, default: 1, description: 'Share of calls under the weighted strategy (0: only as a fallback).' },
    enabled: { type: 'boolean', default: true },
  },
} as const;

const settings = {
  strategy: { type: 'string', enum: ROUTER_STRATEGIES, description: '`fallback`: the first healthy target in order; `weighted`: healthy targets share calls by weight. Either falls back to the others on failure.' },
  retry_on_status: {
    type: 'array',
    items: { type: 'integer', minimum: 400, maximum: 599 },
    description: `Upstream statuses that move a call to the next target, before anything reached the client (default ${JSON.stringify(ROUTER_DEFAULTS.retryOnStatus)}). Connection errors and timeouts before headers always do.`,
  },
  max_attempts: { type: ['integer', 'null'], minimum: 1, maximum: 32, description: 'Targets tried per call at most; null: each target once.' },
  failure_threshold: { type: 'integer', minimum: 1, maximum: 1000, description: `Failures within failure_window_ms that start a cooldown (default ${ROUTER_DEFAULTS.failureThreshold}).` },
  failure_window_ms: { type: 'integer', minimum: 1, maximum: 86_400_000, description: `Default ${ROUTER_DEFAULTS.failureWindowMs}.` },
  cooldown_ms: { type: 'integer', minimum: 0, maximum: 86_400_000, description: `How long a failing target is skipped before one trial call (default ${ROUTER_DEFAULTS.cooldownMs}).` },
  max_retry_after_ms: {
    type: 'integer',
    minimum: 0,
    maximum: 86_400_000,
    description: `A target answering with retry-after is skipped that long, up to this (default ${ROUTER_DEFAULTS.maxRetryAfterMs}).`,
  },
} as const;

export const routerInputSchema = {
  $id: 'RouterInput',
  title: 'RouterInput',
  type: 'object',
  additionalProperties: false,
  properties: {
    name: { type: 'string', description: 'The model id clients send, e.g. "team-default" (shares the namespace with API model ids and local aliases).' },
    targets: { type: 'array', minItems: 1, maxItems: 32, items: targetInput, description: 'In fallback order; all of one api_format.' },
    ...settings,
  },
  examples: [{ name: 'team-default', strategy: 'fallback', targets: [{ api_model: 'openai-a', model: 'gpt-5' }, { api_model: 'openai-b', model: 'gpt-5', weight: 3 }] }],
} as const;

export const routerSchema = {
  $id: 'Router',
  title: 'Router',
  type: 'object',
  required: ['id', 'name', 'api_format', 'strategy', 'targets', 'retry_on_status', 'max_attempts', 'failure_threshold', 'failure_window_ms', 'cooldown_ms', 'max_retry_after_ms', 'created_at', 'updated_at'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    api_format: { type: ['string', 'null'] },
    strategy: settings.strategy,
    targets: {
      type: 'array',
      items: {
        type: 'object',
        required: ['api_model', 'api_model_id', 'model', 'weight', 'enabled'],
        properties: {
          api_model: { type: 'string' },
          api_model_id: { type: 'string' },
          model: { type: 'string' },
          weight: { type: 'integer' },
          enabled: { type: 'boolean' },
          healthy: { type: 'boolean', description: 'Whether this instance sends it calls now (false while it cools down).' },
          cooling_until: { type: ['string', 'null'], format: 'date-time' },
          recent_failures: { type: 'integer', description: 'Failures within the failure window.' },
        },
      },
    },
    retry_on_status: settings.retry_on_status,
    max_attempts: settings.max_attempts,
    failure_threshold: { type: 'integer' },
    failure_window_ms: { type: 'integer' },
    cooldown_ms: { type: 'integer' },
    max_retry_after_ms: { type: 'integer' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
} as const;

export const routerListSchema = {
  $id: 'RouterList',
  title: 'RouterList',
  type: 'object',
  required: ['object', 'data'],
  properties: { object: { type: 'string', const: 'list' }, data: { type: 'array', items: { $ref: 'Router#' } } },
} as const;

export const routerDeletedSchema = {
  $id: 'RouterDeleted',
  title: 'RouterDeleted',
  type: 'object',
  required: ['id', 'object', 'deleted'],
  properties: { id: { type: 'string' }, object: { type: 'string', const: 'router.deleted' }, deleted: { type: 'boolean', const: true } },
} as const;

export const routerSchemas = [routerInputSchema, routerSchema, routerListSchema, routerDeletedSchema];
