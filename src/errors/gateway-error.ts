// GatewayError: one error the gateway answers with, built from a catalogue code. The helpers
// below name the common kinds; the surface renders the error (surfaces/openai/errors.ts).
import { ERROR_CATALOGUE, type CatalogueEntry, type ErrorCode, type ErrorCodeWithStatus, type ErrorType } from './codes.js';

export interface ErrorOptions {
  /** The request field the error is about. */
  param?: string | null;
  /** Sent with the error, e.g. retry-after. */
  headers?: Record<string, string>;
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly param: string | null;
  /** The envelope's `code`: the catalogue code, or null for the entries that send none. */
  readonly code: string | null;
  readonly headers: Record<string, string>;

  /** `http` only from fromHttp: a status and code the catalogue has no entry for. */
  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}, http?: { status: number; code: string | null }) {
    super(message);
    const entry: CatalogueEntry = ERROR_CATALOGUE[code];
    this.name = 'GatewayError';
    this.status = http?.status ?? entry.status;
    this.type = entry.type;
    this.param = options.param ?? null;
    this.code = http ? http.code : entry.code === null ? null : code;
    this.headers = options.headers ?? {};
  }

  /**
   * A 4xx the HTTP stack raised that the catalogue has no entry for (say a malformed
   * content-length): it keeps its own status and code.
   */
  static fromHttp(status: number, message: string, code: string | null): GatewayError {
    return new GatewayError('invalid_request', message, {}, { status, code });
  }
}

export const badRequest = (message: string, param: string | null = null, code: ErrorCodeWithStatus<400> | null = null) =>
  new GatewayError(code ?? 'invalid_request', message, { param });

export const unauthorized = (message: string, code: ErrorCodeWithStatus<401>) => new GatewayError(code, message);

export const forbidden = (message: string, code: ErrorCodeWithStatus<403>) => new GatewayError(code, message);

export const notFound = (message: string, param: string | null, code: ErrorCodeWithStatus<404>) => new GatewayError(code, message, { param });

export const conflict = (message: string, param: string | null = null) => new GatewayError('conflict', message, { param });

/** 404 for a path no route serves (the query string is left out of the message). */
export const unknownUrl = (method: string, url: string) => new GatewayError('unknown_url', `Unknown request URL: ${method} ${url.split('?')[0]}.`);

type UpstreamCode = ErrorCodeWithStatus<502 | 504>;
export const upstreamError = (message: string, code: UpstreamCode) => new GatewayError(code, message);

export const internalError = () => new GatewayError('internal_error', 'The gateway hit an internal error; the request id is in its log.');

/**
 * Set on every error answer the gateway itself produces and never on an upstream's error passed
 * through, so a client (and the web UI) can tell the gateway's 401 from an upstream's.
 */
export const GATEWAY_ERROR_HEADER = 'x-bodhi-error';
export const GATEWAY_ERROR_HEADERS: Readonly<Record<string, string>> = { [GATEWAY_ERROR_HEADER]: 'gateway' };
