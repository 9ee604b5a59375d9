// Probing an OpenAI Chat Completions upstream: GET /models lists the models, a one-message
// POST /chat/completions tests a model, errors come in the OpenAI envelope.
import type { AuthHeaders, ProbeRequest, ProviderProbe } from '../probes.js';

export const TEST_PROMPT = 'Reply with the single word OK.';

/** A request with the key's headers (if there is a key) and, with a body, its JSON type. */
export function probeRequest(authHeaders: AuthHeaders, apiKey: string | null, method: 'GET' | 'POST', path: string, body?: object): ProbeRequest {
  const headers = apiKey ? { ...authHeaders(apiKey) } : {};
  if (!body) return { method, path, headers, what: `${method} ${path}` };
  return { method, path, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body), what: `${method} ${path}` };
}

/** Model ids from an OpenAI-style `{data: [{id}]}` list (or a bare array of ids or objects). */
export function readModelList(text: string): string[] | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  const list = Array.isArray(body) ? body : (body as { data?: unknown })?.data;
  if (!Array.isArray(list)) return undefined;
  const ids = list.map((m) => (typeof m === 'string' ? m : (m as { id?: unknown })?.id)).filter((id): id is string => typeof id === 'string' && id !== '');
  return [...new Set(ids)].sort();
}

/** The message of an OpenAI error envelope, a bare `{error: string}` or `{message}`, else the text itself. */
export function readErrorMessage(status: number, text: string): string {
  let message: string | undefined;
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const err = body?.error;
    if (typeof err === 'object' && err && typeof err.message === 'string') message = err.message;
    else if (typeof err === 'string') message = err;
    else if (typeof body?.message === 'string') message = body.message;
  } catch {
    // not JSON: use the text itself
  }
  return message ?? (text.trim().slice(0, 500) || `HTTP ${status}`);
}

export function openaiProbe(authHeaders: AuthHeaders): ProviderProbe {
  const listModels = (apiKey: string | null) => probeRequest(authHeaders, apiKey, 'GET', '/models');
  return {
    listModels,
    readModels: readModelList,
    testConnection: (apiKey, model) =>
      model ? probeRequest(authHeaders, apiKey, 'POST', '/chat/completions', { model, messages: [{ role: 'user', content: TEST_PROMPT }] }) : listModels(apiKey),
    readError: readErrorMessage,
  };
}
