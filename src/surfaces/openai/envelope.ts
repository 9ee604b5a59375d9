// The OpenAI error envelope for the pipeline's failures.
import { errorHeaders, errorJson, type GatewayError } from '../../errors/catalogue.js';
import type { ErrorRenderer } from '../http-client.js';

export const renderOpenAiError: ErrorRenderer = (error: GatewayError) => ({
  status: error.status,
  headers: { ...errorHeaders(error), 'content-type': 'application/json' },
  body: errorJson(error),
});
