// Every error the gateway itself produces, by code: the HTTP status and the error type a client
// sees. Errors are built from a code (gateway-error.ts); each surface renders them in its own
// envelope (surfaces/openai/errors.ts for the OpenAI one). No HTTP framework here.

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

export interface CatalogueEntry {
  readonly status: number;
  readonly type: ErrorType;
  /** null: the envelope's `code` is null, as OpenAI sends it for these (the key is ours only). */
  readonly code?: null;
}

const invalid = <S extends number>(status: S) => ({ status, type: 'invalid_request_error' }) as const;
const notFound404 = { status: 404, type: 'not_found_error' } as const;
const unavailable503 = { status: 503, type: 'service_unavailable' } as const;
const upstream502 = { status: 502, type: 'upstream_error' } as const;

export const ERROR_CATALOGUE = {
  // 400: the request is wrong; `param` names the field when there is one.
  invalid_request: { ...invalid(400), code: null },
  missing_required_parameter: invalid(400),
  invalid_value: invalid(400),
  invalid_type: invalid(400),
  empty_array: invalid(400),
  unsupported_parameter: invalid(400),
  context_length_exceeded: invalid(400),
  invalid_json: invalid(400),
  missing_body: invalid(400),
  invalid_body: invalid(400),
  invalid_url: invalid(400),
  malformed_request: invalid(400),
  invalid_response_id: invalid(400),
  model_required: invalid(400),
  invalid_model_file: invalid(400),
  unsupported_event_type: invalid(400),
  session_model_mismatch: invalid(400),
  stored_key_base_url_mismatch: invalid(400),
  // Other client-side HTTP failures.
  method_not_allowed: invalid(405),
  request_timeout: invalid(408),
  request_too_large: invalid(413),
  uri_too_long: invalid(414),
  unsupported_media_type: invalid(415),
  headers_too_large: invalid(431),
  websockets_disabled: invalid(426),
  // Who is calling.
  missing_token: { status: 401, type: 'authentication_error' },
  invalid_token: { status: 401, type: 'authentication_error' },
  token_revoked: { status: 401, type: 'authentication_error' },
  token_expired: { status: 401, type: 'authentication_error' },
  insufficient_scope: { status: 403, type: 'permission_error' },
  model_not_allowed: { status: 403, type: 'permission_error' },
  origin_not_allowed: { status: 403, type: 'permission_error' },
  // What is missing. A model and a response get OpenAI's own type for them.
  model_not_found: invalid(404),
  response_not_found: { ...invalid(404), code: null },
  unknown_url: notFound404,
  api_model_not_found: notFound404,
  local_alias_not_found: notFound404,
  router_not_found: notFound404,
  token_not_found: notFound404,
  api_model_gone: notFound404,
  conflict: { status: 409, type: 'conflict_error' },
  rate_limit_exceeded: { status: 429, type: 'rate_limit_error' },
  local_queue_full: { status: 429, type: 'rate_limit_error' },
  websocket_session_limit: { status: 429, type: 'rate_limit_error' },
  internal_error: { status: 500, type: 'server_error' },
  // The upstream did not give a usable answer.
  upstream_unavailable: upstream502,
  upstream_rejected: upstream502,
  upstream_invalid_answer: upstream502,
  upstream_timeout: { status: 504, type: 'upstream_error' },
  upstream_broke: upstream502,
  // Not now; the message says why.
  database_unavailable: unavailable503,
  local_inference_unavailable: unavailable503,
  local_model_load_failed: unavailable503,
  router_unavailable: unavailable503,
  shutting_down: unavailable503,
} as const satisfies Record<string, CatalogueEntry>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The codes whose status is S, so a helper such as badRequest cannot be given a 404's code. */
export type ErrorCodeWithStatus<S extends number> = { [C in ErrorCode]: (typeof ERROR_CATALOGUE)[C]['status'] extends S ? C : never }[ErrorCode];

