// GatewayError: one error the gateway answers with, built from a catalogue code. The helpers
// below name the common kinds; the surface renders the error (surfaces/openai/errors.ts).
import { ERROR_CATALOGUE, type CatalogueEntry, type ErrorCode, type ErrorCodeWithStatus, type ErrorType } from './codes.js';

export interface ErrorOptions {
  /** The request field the error is about. */
  param?: string | null;
  /** Sent with the error, e.g. retry-after. */
  headers?: Record<string, string>;
}

type Legacy = [status: number, type: ErrorType, message: string, param?: string | null, code?: string | null, headers?: Record<string, string>];
type Fields = { status: number; type: ErrorType; message: string; param: string | null; code: string | null; headers: Record<string, string> };

function fields(args: [ErrorCode, string, ErrorOptions?] | Legacy): Fields {
  if (typeof args[0] === 'number') {
    const [status, type, message, param = null, code = null, headers = {}] = args as Legacy;
    return { status, type, message, param, code, headers };
  }
  const [code, message, options = {}] = args as [ErrorCode, string, ErrorOptions?];
  const entry: CatalogueEntry = ERROR_CATALOGUE[code];
  return { status: entry.status, type: entry.type, message, param: options.param ?? null, code: entry.code === null ? null : code, headers: options.headers ?? {} };
}

export class GatewayError extends Error {
  readonly status: number;
  readonly type: ErrorType;
  readonly param: string | null;
  /** The envelope's `code`: the catalogue code, or null for the entries that send none. */
  readonly code: string | null;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions);
  /** @deprecated Name a catalogue code: `new GatewayError(code, message, { param, headers })`. */
  constructor(...legacy: Legacy);
  constructor(...args: [ErrorCode, string, ErrorOptions?] | Legacy) {
    const f = fields(args);
    super(f.message);
    this.name = 'GatewayError';
    this.status = f.status;
    this.type = f.type;
    this.param = f.param;
    this.code = f.code;
    this.headers = f.headers;
  }

  /**
   * A 4xx the HTTP stack raised that the catalogue has no entry for (say a malformed
   * content-length): it keeps its own status and code.
   */
  static fromHttp(status: number, message: string, code: string | null): GatewayError {
    return new GatewayError(status, 'invalid_request_error', message, null, code);
  }

  /** @deprecated The OpenAI envelope: render with surfaces/openai/errors.ts instead. */
  toBody(): { error: { message: string; type: ErrorType; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
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
/** The status comes from the code; the third argument is ignored and kept for old call sites. */
export const upstreamError = (message: string, code: UpstreamCode, _status?: number) => new GatewayError(code, message);

export const internalError = () => new GatewayError('internal_error', 'The gateway hit an internal error; the request id is in its log.');

/**
 * Set on every error answer the gateway itself produces and never on an upstream's error passed
 * through, so a client (and the web UI) can tell the gateway's 401 from an upstream's.
 */
export const GATEWAY_ERROR_HEADER = 'x-bodhi-error';
export const GATEWAY_ERROR_HEADERS: Readonly<Record<string, string>> = { [GATEWAY_ERROR_HEADER]: 'gateway' };

/** The headers of a gateway error answer: the error's own (e.g. retry-after) and the marker. */
export const errorHeaders = (err: GatewayError): Record<string, string> => ({ ...err.headers, ...GATEWAY_ERROR_HEADERS });

/** @deprecated The OpenAI envelope as text: use renderError in surfaces/openai/errors.ts. */
export const errorJson = (err: GatewayError): string => JSON.stringify(err.toBody());
