// Every API format's provider, by format.
import type { ApiFormat, Endpoint } from '../domain/formats.js';
import { anthropic } from './anthropic/index.js';
import { gemini } from './gemini/index.js';
import { openai } from './openai/index.js';
import { openaiResponses } from './openai_responses/index.js';
import type { Provider } from './provider.js';

export const PROVIDERS: Readonly<Record<ApiFormat, Provider>> = {
  openai,
  openai_responses: openaiResponses,
  anthropic,
  gemini,
};

export const providerFor = (format: ApiFormat): Provider => PROVIDERS[format];

export const FORMAT_LABELS = Object.fromEntries(Object.values(PROVIDERS).map((p) => [p.format, p.label])) as Record<ApiFormat, string>;

/** Which format serves each endpoint family (one each). */
export const ENDPOINT_FORMAT = Object.fromEntries(
  Object.values(PROVIDERS).flatMap((p) => p.endpoints.map((e) => [e, p.format])),
) as Record<Endpoint, ApiFormat>;
