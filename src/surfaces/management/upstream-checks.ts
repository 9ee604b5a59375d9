// /bodhi/v1/api-models/fetch-models and /test: what the API model form's "Fetch models" and
// "Test connection" buttons call. The server talks to the upstream; a stored key never leaves it.
import type { FastifyInstance } from 'fastify';
import { UpstreamChecker, type UpstreamCheckDeps, type UpstreamCheckInput } from '../../models/upstream-check.js';
import type { Config } from '../../config.js';
import { errorResponses, ref } from '../error-schema.js';

const tags = ['API models'];

export interface UpstreamCheckRoutesDeps extends Pick<UpstreamCheckDeps, 'dispatcher' | 'apiModels' | 'box'> {
  config: Pick<Config, 'upstreamCheckTimeoutMs'>;
  version: string;
}

export function upstreamCheckRoutes(app: FastifyInstance, deps: UpstreamCheckRoutesDeps): void {
  const checker = new UpstreamChecker({
    dispatcher: deps.dispatcher,
    apiModels: deps.apiModels,
    box: deps.box,
    timeoutMs: deps.config.upstreamCheckTimeoutMs,
    userAgent: `bodhi-gateway/${deps.version}`,
  });

  app.post<{ Body: UpstreamCheckInput }>(
    '/api-models/fetch-models',
    {
      schema: {
        tags,
        operationId: 'fetchUpstreamModels',
        summary: "List an upstream's models",
        description:
          "Calls the model list of `api_format` (default `openai`) at `GET {base_url}/models` from the server, with the given key or the stored key of `api_model_id` (only to the base URL stored with it) in that API's own header (`Authorization: Bearer`, Anthropic's `x-api-key`, Gemini's `x-goog-api-key`), and returns the model ids. A failed call is a 502 whose message carries the upstream's own error message.",
        body: ref('FetchModelsInput'),
        response: { 200: ref('FetchModelsResult'), ...errorResponses(400, 401, 403, 404, 502) },
      },
    },
    async (request) => ({ models: await checker.fetchModels(request.body) }),
  );

  app.post<{ Body: UpstreamCheckInput }>(
    '/api-models/test',
    {
      schema: {
        tags,
        operationId: 'testUpstreamConnection',
        summary: 'Test a connection to an upstream',
        description:
          "With `model`, sends a one-line prompt to the format's endpoint (POST /chat/completions, /responses, /messages, or /models/{model}:generateContent for Gemini); without, asks for the format's model list (GET /models). Always 200 when the check ran: `success` and the upstream's status and message say how it went.",
        body: ref('TestConnectionInput'),
        response: { 200: ref('TestConnectionResult'), ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => checker.testConnection(request.body),
  );
}
