// The OpenAPI 3.1 document (/api-docs/openapi.json) and Swagger UI (/swagger-ui). The document
// is generated from the route schemas themselves: the schemas registered here by $id are the
// ones the management routes validate and serialise with, and the ones the /v1 routes attach.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { errorResponseSchema } from '../surfaces/error-schema.js';
import { managementSchemas } from '../surfaces/management/schemas.js';
import { chatSchemas } from '../surfaces/openai/schemas/chat.js';
import { modelsSchemas } from '../surfaces/openai/schemas/models.js';
import { responsesSchemas } from '../surfaces/openai/schemas/responses.js';
import type { Gateway } from './gateway.js';
import { DOCS_JSON_PATH, swaggerUiOptions } from './swagger-ui.js';

export const SHARED_SCHEMAS: readonly { $id: string }[] = [errorResponseSchema, ...responsesSchemas, ...chatSchemas, ...modelsSchemas, ...managementSchemas];

export { DOCS_JSON_PATH };

const DESCRIPTION = `An OpenAI-compatible gateway. Send a gateway token as \`Authorization: Bearer <token>\` (use **Authorize** above; create one with \`bodhi tokens create --name NAME\`).

The /v1 routes forward request bodies to the configured upstream **unchanged**: the gateway reads only \`model\` to route, so the request schemas below describe what the upstream (OpenAI) accepts, and responses are the upstream's own. Streams (\`"stream": true\`) are passed through as \`text/event-stream\` bytes as they arrive.

The management API under /bodhi/v1 needs an \`admin\` token.`;

/** Fastify URL -> OpenAPI path: `:id` -> `{id}`; a trailing wildcard is named after the route's only path parameter. */
export function openApiUrl(url: string, schema: FastifySchema | undefined): string {
  const path = url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
  if (!path.endsWith('*')) return path;
  const params = (schema?.params as { properties?: Record<string, unknown> } | undefined)?.properties;
  const name = params ? Object.keys(params)[0] : undefined;
  return name ? `${path.slice(0, -1)}{${name}}` : path;
}

export function registerDocs(app: FastifyInstance, gw: Gateway): void {
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);

  void app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Bodhi Gateway', version: gw.version, description: DESCRIPTION },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'A gateway token (starts with `sk-bodhiapp_`).' },
        },
      },
      security: [{ bearerAuth: [] }],
      tags: [
        { name: 'Responses', description: 'OpenAI Responses API: needs a model with the openai_responses format.' },
        { name: 'Chat Completions', description: 'Needs a model with the openai format.' },
        { name: 'Embeddings', description: 'Needs a model with the openai format.' },
        { name: 'Models', description: 'What can be called.' },
        { name: 'Anthropic Messages', description: "Anthropic's Messages API: needs a model with the anthropic format." },
        { name: 'Gemini', description: "Google's Gemini API (v1beta): needs a model with the gemini format." },
        { name: 'API models', description: 'Management (admin): upstream providers, their keys and models.' },
        { name: 'Local aliases', description: 'Management (admin): GGUF models run in-process by llama.cpp.' },
        { name: 'Routers', description: 'Management (admin): one model name over several API models, with fallback and load balancing.' },
        { name: 'Tokens', description: 'Management (admin): gateway tokens.' },
        { name: 'Requests', description: 'Management (admin): the request log, filtered and paged.' },
        { name: 'Usage', description: 'Management (admin): requests and token usage summed by token, model, API model, router or target.' },
        { name: 'Server', description: 'Probes and server information.' },
      ],
    },
    refResolver: {
      // Components are named after the schemas' $id (CreateResponse, Response, ...).
      buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`),
    },
    transform: ({ schema, url }) => ({ schema, url: openApiUrl(url, schema) }),
  });

  void app.register(swaggerUi, swaggerUiOptions);

  app.get(DOCS_JSON_PATH, { schema: { hide: true } }, async () => app.swagger());
}
