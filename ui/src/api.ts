// Talks to the gateway with the signed-in admin token. Every failure becomes an ApiError
// carrying the gateway's error envelope (message, param, code), so forms can put a message
// next to the field it names.
import { getToken } from './session';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface Envelope {
  error?: { message?: string; param?: string | null; code?: string | null };
}

/** Listeners told when the gateway itself rejects the token (revoked, expired): the app signs out. */
const unauthorizedListeners = new Set<(message: string) => void>();
export const onUnauthorized = (fn: (message: string) => void) => {
  unauthorizedListeners.add(fn);
  return () => void unauthorizedListeners.delete(fn);
};

export async function errorFrom(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  let body: Envelope | undefined;
  try {
    body = JSON.parse(text) as Envelope;
  } catch {
    // not JSON
  }
  const e = body?.error;
  return new ApiError(res.status, sentence(e?.message ?? (text.trim() || `HTTP ${res.status}`)), e?.param ?? null, e?.code ?? null);
}

/**
 * A message as a sentence: the gateway's start with the field they name (`name is required.`,
 * `model_file '…' does not exist.`); shown in the UI, that field reads as words with a capital
 * (`Name is required.`, `Model file '…' does not exist.`).
 */
export function sentence(message: string): string {
  const m = /^([a-z][a-z0-9]*(?:_[a-z0-9]+)*)(\s.*)?$/s.exec(message);
  if (!m) return message;
  const word = m[1]!.replace(/_/g, ' ');
  return word.charAt(0).toUpperCase() + word.slice(1) + (m[2] ?? "");
}

/** The token as a Bearer token, or (`header`) as the raw value of an API's own key header, e.g. `x-api-key`. */
export function authHeaders(token = getToken(), header?: string): Record<string, string> {
  if (!token) return {};
  return header ? { [header]: token } : { authorization: `Bearer ${token}` };
}

/** fetch() with the token; throws ApiError for any non-2xx answer. */
export async function call(path: string, init: RequestInit & { json?: unknown; token?: string; tokenHeader?: string } = {}): Promise<Response> {
  const { json, token, tokenHeader, ...rest } = init;
  const headers = new Headers(rest.headers);
  for (const [k, v] of Object.entries(authHeaders(token, tokenHeader))) headers.set(k, v);
  if (json !== undefined) headers.set('content-type', 'application/json');
  let res: Response;
  try {
    res = await fetch(path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'Could not reach the gateway. Is it running?');
  }
  if (!res.ok) {
    const error = await errorFrom(res);
    // Only the gateway's own 401 means the token is no good: an upstream's 401 (a wrong provider
    // key, seen in the Playground) passes through without the marker.
    const fromGateway = res.headers.get('x-bodhi-error') === 'gateway';
    if (res.status === 401 && fromGateway && token === undefined) for (const fn of unauthorizedListeners) fn(error.message);
    throw error;
  }
  return res;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await call(path)).json() as Promise<T>;
}

export async function sendJson<T>(method: string, path: string, json?: unknown): Promise<T> {
  return (await call(path, { method, ...(json === undefined ? {} : { json }) })).json() as Promise<T>;
}

// ---- shapes the management API returns (see /api-docs/openapi.json) ----

/** An api_format id: the gateway lists them, with labels, at /bodhi/v1/api-models/formats. */
export type ApiFormat = string;
export type Scope = 'user' | 'power_user' | 'admin';

export interface ApiFormatInfo {
  id: ApiFormat;
  label: string;
}

let formats: Promise<ApiFormatInfo[]> | undefined;

/** The gateway's API formats, asked once per page load (they change only with the gateway); a failure is asked again next time. */
export function getFormats(): Promise<ApiFormatInfo[]> {
  formats ??= getJson<List<ApiFormatInfo>>('/bodhi/v1/api-models/formats').then(
    (list) => list.data,
    (err: unknown) => {
      formats = undefined;
      throw err;
    },
  );
  return formats;
}

/** A format's label, or its id while the list is loading or when the gateway does not know it. */
export const formatLabel = (list: ApiFormatInfo[] | undefined, id: ApiFormat): string => list?.find((f) => f.id === id)?.label ?? id;

/**
 * The client API whose requests each format's models serve (the gateway's endpoint rule):
 * OpenAI's Responses and Chat Completions under /v1, Anthropic's Messages at /v1/messages,
 * Gemini's under /v1beta.
 */
export const FORMAT_OF_API = { responses: 'openai_responses', chat: 'openai', messages: 'anthropic', gemini: 'gemini' } as const satisfies Record<string, ApiFormat>;

/** What a format's API model form needs to know about its provider. */
export interface FormatHelp {
  /** The base URL as the provider documents it (version included): the gateway appends paths to it. */
  baseUrl: string;
  /** Which client endpoints its models serve. */
  serves: string;
  /** The paths the gateway appends to the base URL. */
  paths: string;
  /** An example model id. */
  exampleModel: string;
  /** Whether the API model can pin an OpenAI organization and project. */
  openaiAccount: boolean;
  /** Whether the API model has the WebSocket setting (the Responses API's WebSocket mode). */
  websocket?: boolean;
}

/** The host whose Responses API has WebSocket mode when an API model leaves it automatic. */
export const WEBSOCKET_AUTO_HOST = 'api.openai.com';

export const FORMAT_HELP: Partial<Record<ApiFormat, FormatHelp>> = {
  openai: { baseUrl: 'https://api.openai.com/v1', serves: 'chat completions and embeddings', paths: '/chat/completions and /models', exampleModel: 'gpt-4.1', openaiAccount: true },
  openai_responses: { baseUrl: 'https://api.openai.com/v1', serves: '/v1/responses', paths: '/responses and /models', exampleModel: 'gpt-5', openaiAccount: true, websocket: true },
  anthropic: { baseUrl: 'https://api.anthropic.com/v1', serves: '/v1/messages and /anthropic/v1/messages', paths: '/messages and /models', exampleModel: 'claude-sonnet-4-5', openaiAccount: false },
  gemini: { baseUrl: 'https://generativelanguage.googleapis.com/v1beta', serves: '/v1beta/models/{model}:generateContent and the other /v1beta calls', paths: '/models/{model}:generateContent and /models', exampleModel: 'gemini-2.5-flash', openaiAccount: false },
};

export interface ApiModel {
  id: string;
  name: string;
  api_format: ApiFormat;
  base_url: string;
  has_api_key: boolean;
  models: string[];
  prefix: string | null;
  forward_all: boolean;
  openai_organization: string | null;
  openai_project: string | null;
  /** Whether the upstream serves the Responses API over WebSocket; null: automatic (on for api.openai.com). */
  websocket: boolean | null;
  /** What the gateway does: the stored choice, or the automatic rule's answer. */
  websocket_effective: boolean;
  created_at: string;
  updated_at: string;
}

export interface CallableModel {
  id: string;
  kind: 'api' | 'local' | 'router';
  match: 'exact' | 'prefix';
  /** null for a local alias. */
  api_format: ApiFormat | null;
  /** null for a local alias or a router. */
  api_model: { id: string; name: string } | null;
  upstream_model: string | null;
  /** null for an API-served model; model_file is the file's name only. */
  local_alias: { id: string; model_file: string; context_size: number | null } | null;
  /** Set for a router: its targets as `api model/upstream model`, in fallback order. */
  router?: { id: string; targets: string[] };
}

export type RouterStrategy = 'fallback' | 'weighted';

export interface RouterTarget {
  /** The API model's name (its id when that API model no longer exists). */
  api_model: string;
  api_model_id: string;
  /** The model id the upstream gets. */
  model: string;
  weight: number;
  enabled: boolean;
  /** Live, as this gateway instance sees it: false while it cools down. */
  healthy: boolean;
  cooling_until: string | null;
  recent_failures: number;
}

export interface Router {
  id: string;
  name: string;
  /** Its targets' format; null when none of its API models exists any more. */
  api_format: ApiFormat | null;
  strategy: RouterStrategy;
  targets: RouterTarget[];
  retry_on_status: number[];
  /** null: each target once. */
  max_attempts: number | null;
  failure_threshold: number;
  failure_window_ms: number;
  cooldown_ms: number;
  max_retry_after_ms: number;
  created_at: string;
  updated_at: string;
}

/** What a router gets when a setting is not given (the gateway's ROUTER_DEFAULTS). */
export const ROUTER_DEFAULTS = {
  strategy: 'fallback' as RouterStrategy,
  retry_on_status: [429, 500, 502, 503, 504, 529],
  failure_threshold: 3,
  failure_window_ms: 30_000,
  cooldown_ms: 30_000,
  max_retry_after_ms: 300_000,
};

export interface LocalAlias {
  id: string;
  name: string;
  kind: 'local';
  /** Full path on the gateway host. */
  model_file: string;
  context_size: number | null;
  request_params: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export type UsageGroupBy = 'model' | 'token' | 'api-model';

export interface UsageTotals {
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  reasoning_tokens: number;
  cached_tokens: number;
  total_tokens: number;
}

export interface UsageSummary {
  object: 'usage.summary';
  since: string;
  until: string;
  by: UsageGroupBy;
  totals: UsageTotals;
  groups: (UsageTotals & { key: string | null })[];
  series: { bucket_seconds: number; data: (UsageTotals & { key: string | null; bucket_start: string })[] };
}

export interface Token {
  id: string;
  name: string;
  scope: Scope;
  status: 'active' | 'revoked';
  /** `status` plus the clock: a token past its expires_at is `expired`. */
  state: 'active' | 'expired' | 'revoked';
  token_hint: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  /** null: any model. */
  allowed_models?: string[] | null;
  /** Requests per minute; null: no limit. */
  rate_limit_rpm?: number | null;
}

export interface List<T> {
  object: 'list';
  data: T[];
}

export interface ConnectionResult {
  success: boolean;
  status: number | null;
  message: string;
  latency_ms: number;
}
