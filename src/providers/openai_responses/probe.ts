// Probing an OpenAI Responses upstream: listing and errors as for Chat Completions; a model is
// tested with POST /responses, stored nowhere (store: false) so the test leaves no response behind.
import type { AuthHeaders, ProviderProbe } from '../probes.js';
import { openaiProbe, probeRequest, TEST_PROMPT } from '../openai/probe.js';

export function openaiResponsesProbe(authHeaders: AuthHeaders): ProviderProbe {
  const base = openaiProbe(authHeaders);
  return {
    ...base,
    testConnection: (apiKey, model) =>
      model ? probeRequest(authHeaders, apiKey, 'POST', '/responses', { model, input: TEST_PROMPT, store: false }) : base.listModels(apiKey),
  };
}
