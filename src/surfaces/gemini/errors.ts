// The Gemini error envelope for the gateway's own errors: {"error":{code,message,status}}.
import { GATEWAY_ERROR_HEADERS, type GatewayError } from '../../errors/catalogue.js';
import type { ErrorRenderer } from '../http-client.js';

/** Google's canonical status name for an HTTP status. */
function googleStatus(status: number): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RESOURCE_EXHAUSTED';
  if (status === 503 || status === 502) return 'UNAVAILABLE';
  if (status === 504) return 'DEADLINE_EXCEEDED';
  if (status >= 500) return 'INTERNAL';
  return 'INVALID_ARGUMENT';
}

export const renderGeminiError: ErrorRenderer = (err: GatewayError) => {
  const body = JSON.stringify({ error: { code: err.status, message: err.message, status: googleStatus(err.status) } });
  const headers = { ...err.headers, ...GATEWAY_ERROR_HEADERS, 'content-type': 'application/json; charset=UTF-8', 'content-length': String(Buffer.byteLength(body)) };
  return { status: err.status, headers, body };
};
