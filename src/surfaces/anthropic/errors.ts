// The Anthropic error envelope for the gateway's own errors: {"type":"error","error":{type,message}}.
import { GATEWAY_ERROR_HEADERS, type GatewayError } from '../../errors/catalogue.js';
import type { ErrorRenderer } from '../http-client.js';

/** Anthropic's error type for a status. */
function anthropicType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 413) return 'request_too_large';
  if (status === 429) return 'rate_limit_error';
  if (status === 503) return 'overloaded_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

export const renderAnthropicError: ErrorRenderer = (err: GatewayError) => {
  const body = JSON.stringify({ type: 'error', error: { type: anthropicType(err.status), message: err.message } });
  const headers = { ...err.headers, ...GATEWAY_ERROR_HEADERS, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) };
  return { status: err.status, headers, body };
};
