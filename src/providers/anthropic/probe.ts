// Probing an Anthropic upstream: GET /models lists the models (its pages are 20 long unless
// asked for more), a one-token POST /messages tests a model, errors come in Anthropic's
// envelope ({"type":"error","error":{"type","message"}}), which OpenAI's reader also reads.
import type { AuthHeaders, ProviderProbe } from '../probes.js';
import { probeRequest, readErrorMessage, readModelList, TEST_PROMPT } from '../openai/probe.js';

export const ANTHROPIC_VERSION = '2023-06-01';

export const anthropicAuth: AuthHeaders = (key) => ({ 'x-api-key': key, 'anthropic-version': ANTHROPIC_VERSION });

/** Without a key Anthropic still wants its version header; probeRequest adds headers only with a key. */
const withVersion = <T extends { headers: Record<string, string> }>(req: T): T => ({ ...req, headers: { 'anthropic-version': ANTHROPIC_VERSION, ...req.headers } });

export function anthropicProbe(authHeaders: AuthHeaders = anthropicAuth): ProviderProbe {
  // The request is described without its query in messages ("GET /models answered 200").
  const listModels = (apiKey: string | null) => ({ ...withVersion(probeRequest(authHeaders, apiKey, 'GET', '/models?limit=1000')), what: 'GET /models' });
  return {
    listModels,
    readModels: readModelList,
    testConnection: (apiKey, model) =>
      model
        ? withVersion(probeRequest(authHeaders, apiKey, 'POST', '/messages', { model, max_tokens: 1, messages: [{ role: 'user', content: TEST_PROMPT }] }))
        : listModels(apiKey),
    readError: readErrorMessage,
  };
}
