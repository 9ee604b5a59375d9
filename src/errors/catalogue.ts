// The OpenAI error envelope: every error the gateway itself produces uses it, so the
// official SDKs map our failures to their usual APIError subclasses.

export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'upstream_error'
  | 'server_error'
  | 'service_unavailable';

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string | null };
}

export class GatewayError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'GatewayError';
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const badRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new GatewayError(400, 'invalid_request_error', message, param, code);

export const unauthorized = (message: string, code: string | null = null) =>
  new GatewayError(401, 'authentication_error', message, null, code);

export const forbidden = (message: string, code: string | null = null) =>
  new GatewayError(403, 'permission_error', message, null, code);

export const notFound = (message: string, param: string | null = null, code: string | null = null) =>
  new GatewayError(404, 'not_found_error', message, param, code);

export const conflict = (message: string, param: string | null = null) =>
  new GatewayError(409, 'conflict_error', message, param, 'conflict');

/** 404 for a path no route serves (the query string is left out of the message). */
export const unknownUrl = (method: string, url: string) =>
  new GatewayError(404, 'not_found_error', `Unknown request URL: ${method} ${url.split('?')[0]}.`, null, 'unknown_url');

export const upstreamError = (message: string, code: string, status = 502) =>
  new GatewayError(status, 'upstream_error', message, null, code);

export const internalError = () =>
  new GatewayError(500, 'server_error', 'The gateway hit an internal error; the request id is in its log.', null, 'internal_error');

/**
 * Set on every error answer the gateway itself produces and never on an upstream's error passed
 * through, so a client (and the web UI) can tell the gateway's 401 from an upstream's.
 */
export const GATEWAY_ERROR_HEADER = 'x-bodhi-error';
export const GATEWAY_ERROR_HEADERS: Readonly<Record<string, string>> = { [GATEWAY_ERROR_HEADER]: 'gateway' };

/** The headers of a gateway error answer: the error's own (e.g. retry-after) and the marker. */
export const errorHeaders = (err: GatewayError): Record<string, string> => ({ ...err.headers, ...GATEWAY_ERROR_HEADERS });

export function errorJson(err: GatewayError): string {
  return JSON.stringify(err.toBody());
}
