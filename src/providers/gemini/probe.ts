// Probing a Gemini upstream: GET /models lists `{models: [{name: "models/<id>"}]}` (ids are read
// without the `models/` prefix), a one-line POST /models/<m>:generateContent tests a model, and
// errors come in Google's envelope {"error": {code, message, status}}.
import type { AuthHeaders, ProviderProbe } from '../probes.js';
import { probeRequest, readErrorMessage, TEST_PROMPT } from '../openai/probe.js';

export const googleKeyAuth: AuthHeaders = (apiKey) => ({ 'x-goog-api-key': apiKey });

/** Model ids from Gemini's `{models: [{name}]}` list, without the `models/` prefix. */
export function readGeminiModels(text: string): string[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const list = (body as { models?: unknown } | null)?.models;
  if (!Array.isArray(list)) return undefined;
  const ids = list
    .map((m) => (m as { name?: unknown } | null)?.name)
    .filter((name): name is string => typeof name === 'string')
    .map((name) => (name.startsWith('models/') ? name.slice('models/'.length) : name))
    .filter((id) => id !== '');
  return [...new Set(ids)].sort();
}

export function geminiProbe(authHeaders: AuthHeaders = googleKeyAuth): ProviderProbe {
  const listModels = (apiKey: string | null) => probeRequest(authHeaders, apiKey, 'GET', '/models');
  return {
    listModels,
    readModels: readGeminiModels,
    testConnection: (apiKey, model) =>
      model
        ? probeRequest(authHeaders, apiKey, 'POST', `/models/${model}:generateContent`, {
            contents: [{ role: 'user', parts: [{ text: TEST_PROMPT }] }],
            generationConfig: { maxOutputTokens: 16 },
          })
        : listModels(apiKey),
    // Google's envelope carries `error.message` where OpenAI's does.
    readError: readErrorMessage,
  };
}
