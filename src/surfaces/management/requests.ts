// GET /bodhi/v1/requests: the request log, newest first, filtered and paged with a cursor.
// Rows hold who called what and how it went; never a request or response body.
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../../errors/catalogue.js';
import type { RequestLogEntry, RequestLogQuery, Store } from '../../store/types.js';
import type { RequestLogWriter } from '../../usage/request-log.js';
import { parseSince } from '../../usage/usage-service.js';
import { errorResponses, ref } from '../error-schema.js';

export const REQUESTS_DEFAULT_LIMIT = 50;
export const REQUESTS_MAX_LIMIT = 500;

const nullableString = { type: ['string', 'null'] } as const;
const nullableInteger = { type: ['integer', 'null'] } as const;
const TIME = 'A duration back from now (30m, 24h, 7d), an ISO 8601 time, or epoch milliseconds.';

export const requestsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { type: 'string', description: `Only calls at or after this time. ${TIME}` },
    until: { type: 'string', description: `Only calls before this time. ${TIME}` },
    token: { type: 'string', description: 'Token name or id.' },
    model: { type: 'string', description: 'The model id the client named (a router name, an API model\'s model id, a local alias).' },
    api_model: { type: 'string', description: 'API model name, or router name: matches calls served by that API model or through that router.' },
    route: { type: 'string', description: 'Route pattern, exactly, e.g. `/v1/responses` or `/v1/responses/:id`.' },
    status: { type: 'string', description: 'An exact status (`404`) or a class (`2xx`, `4xx`, `5xx`).', examples: ['4xx', '404'] },
    limit: { type: 'string', description: `Rows per page, 1-${REQUESTS_MAX_LIMIT} (default ${REQUESTS_DEFAULT_LIMIT}).` },
    cursor: { type: 'string', description: 'The `next_cursor` of the previous page.' },
  },
} as const;

const attemptSchema = {
  type: 'object',
  required: ['api_model', 'model', 'status', 'reason', 'duration_ms'],
  properties: {
    api_model: { type: 'string' },
    model: { type: 'string', description: 'The model id that target got.' },
    status: { ...nullableInteger, description: "The upstream's status; null when it never answered." },
    reason: { ...nullableString, description: 'Why the call moved on (`http_429`, `connect_refused`, `timeout`, ...); null for the attempt that answered.' },
    duration_ms: { type: 'number' },
  },
} as const;

export const requestLogEntrySchema = {
  $id: 'RequestLogEntry',
  title: 'RequestLogEntry',
  description: 'One model API call (/v1, /anthropic, /v1beta) as the request log keeps it. Bodies are never stored.',
  type: 'object',
  required: [
    'object', 'id', 'created_at', 'token_id', 'token_name', 'method', 'route', 'model', 'api_model_id', 'api_model', 'router', 'upstream_model', 'attempts',
    'status', 'duration_ms', 'ttfb_ms', 'response_id', 'stream', 'outcome', 'input_tokens', 'output_tokens', 'reasoning_tokens', 'cached_tokens', 'usage_counted', 'error',
  ],
  properties: {
    object: { type: 'string', const: 'request' },
    id: { type: 'string', description: 'The gateway\'s request id (also in its access log).' },
    created_at: { type: 'string', format: 'date-time', description: 'When the request arrived.' },
    token_id: nullableString,
    token_name: nullableString,
    method: { type: 'string' },
    route: { type: 'string', description: 'Route pattern, e.g. `/v1/responses/:id`.' },
    model: { ...nullableString, description: 'The model id the client named.' },
    api_model_id: nullableString,
    api_model: { ...nullableString, description: 'Name of the API model that served the call.' },
    router: { ...nullableString, description: 'The router the client named, when one served the call.' },
    upstream_model: { ...nullableString, description: 'The model id the upstream got.' },
    attempts: { type: ['array', 'null'], items: attemptSchema, description: "Every try of a router's call, in order; null for a call that needed no choice." },
    status: { type: 'integer' },
    duration_ms: { type: 'number' },
    ttfb_ms: { type: ['number', 'null'], description: "Time until the upstream's response headers arrived." },
    response_id: nullableString,
    stream: { type: 'boolean' },
    outcome: { type: 'string', description: '`served`, `rejected`, `completed`, `client_closed`, `upstream_failed`, `upstream_broke` or `failed`.' },
    input_tokens: nullableInteger,
    output_tokens: nullableInteger,
    reasoning_tokens: nullableInteger,
    cached_tokens: nullableInteger,
    usage_counted: { type: 'boolean', description: "Whether this call's usage counts toward totals (a background response's counts once)." },
    error: {
      type: ['object', 'null'],
      required: ['code', 'message'],
      properties: { code: nullableString, message: { type: 'string' } },
      description: "The gateway's own error answer (rejected or failed calls); null otherwise, and for an upstream's error passed through.",
    },
  },
} as const;

export const requestLogPageSchema = {
  $id: 'RequestLogPage',
  title: 'RequestLogPage',
  type: 'object',
  required: ['object', 'data', 'next_cursor'],
  properties: {
    object: { type: 'string', const: 'list' },
    data: { type: 'array', items: ref('RequestLogEntry') },
    next_cursor: { ...nullableString, description: 'Pass as `cursor` for the next (older) page; null on the last page.' },
  },
} as const;

export const requestLogSchemas = [requestLogEntrySchema, requestLogPageSchema];

export interface RequestsQuery {
  since?: string;
  until?: string;
  token?: string;
  model?: string;
  api_model?: string;
  route?: string;
  status?: string;
  limit?: string;
  cursor?: string;
}

function parseTime(raw: string, param: string): number {
  if (/^\d{10,}$/.test(raw.trim())) return Number(raw);
  try {
    return parseSince(raw);
  } catch {
    throw badRequest(`${param} must look like 30m, 24h, 7d, an ISO 8601 time or epoch milliseconds, got '${raw}'.`, param);
  }
}

function parseStatus(raw: string): { min: number; max: number } {
  const cls = /^([1-5])xx$/i.exec(raw);
  if (cls) return { min: Number(cls[1]) * 100, max: Number(cls[1]) * 100 + 99 };
  if (/^[1-5]\d\d$/.test(raw)) return { min: Number(raw), max: Number(raw) };
  throw badRequest(`status must be a status code (404) or a class (2xx, 4xx, 5xx), got '${raw}'.`, 'status');
}

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return REQUESTS_DEFAULT_LIMIT;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= REQUESTS_MAX_LIMIT)) throw badRequest(`limit must be an integer from 1 to ${REQUESTS_MAX_LIMIT}, got '${raw}'.`, 'limit');
  return n;
}

/** Opaque to clients: the (created_at, id) of the last row of a page. */
export function encodeCursor(entry: Pick<RequestLogEntry, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([entry.createdAt, entry.id])).toString('base64url');
}

function decodeCursor(raw: string): { createdAt: number; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return { createdAt: value[0] as number, id: value[1] };
    }
  } catch {
    // falls through to the 400
  }
  throw badRequest('cursor is not a next_cursor this API returned.', 'cursor');
}

/** Turns the query string into store filters; a bad value is a 400 naming its parameter. */
export function parseRequestsQuery(q: RequestsQuery): RequestLogQuery {
  const text = (v: string | undefined) => (v === undefined || v === '' ? undefined : v);
  return {
    since: text(q.since) === undefined ? undefined : parseTime(q.since!, 'since'),
    until: text(q.until) === undefined ? undefined : parseTime(q.until!, 'until'),
    token: text(q.token),
    model: text(q.model),
    apiModel: text(q.api_model),
    route: text(q.route),
    status: text(q.status) === undefined ? undefined : parseStatus(q.status!),
    limit: parseLimit(q.limit),
    after: text(q.cursor) === undefined ? undefined : decodeCursor(q.cursor!),
  };
}

export function requestLogJson(e: RequestLogEntry) {
  return {
    object: 'request' as const,
    id: e.id,
    created_at: new Date(e.createdAt).toISOString(),
    token_id: e.tokenId,
    token_name: e.tokenName,
    method: e.method,
    route: e.route,
    model: e.model,
    api_model_id: e.apiModelId,
    api_model: e.apiModelName,
    router: e.router,
    upstream_model: e.upstreamModel,
    attempts: e.attempts,
    status: e.status,
    duration_ms: e.durationMs,
    ttfb_ms: e.ttfbMs,
    response_id: e.responseId,
    stream: e.stream,
    outcome: e.outcome,
    input_tokens: e.inputTokens,
    output_tokens: e.outputTokens,
    reasoning_tokens: e.reasoningTokens,
    cached_tokens: e.cachedTokens,
    usage_counted: e.usageCounted,
    error: e.error ?? null,
  };
}

export interface RequestsRoutesDeps {
  store: Pick<Store, 'queryRequestLogs'>;
  /** Flushed first: rows still queued in memory show up too. */
  requestLog: Pick<RequestLogWriter, 'flush'>;
}

export function requestsRoutes(app: FastifyInstance, deps: RequestsRoutesDeps): void {
  const schema = {
    tags: ['Requests'],
    operationId: 'listRequests',
    summary: 'Recent model API calls, newest first, with filters and cursor paging',
    description:
      'The request log of /v1, /anthropic and /v1beta calls: who called which model, where it went (API model, router attempts), status, timings, response id, token usage and the gateway\'s own error. Request and response bodies are never stored.',
    querystring: requestsQuerySchema,
    response: { 200: ref('RequestLogPage'), ...errorResponses(400, 401, 403) },
  };
  app.get<{ Querystring: RequestsQuery }>('/requests', { schema }, async (request) => {
    const query = parseRequestsQuery(request.query);
    await deps.requestLog.flush();
    // One row more than asked tells whether another page follows.
    const rows = await deps.store.queryRequestLogs({ ...query, limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    const more = rows.length > query.limit;
    return { object: 'list', data: page.map(requestLogJson), next_cursor: more ? encodeCursor(page[page.length - 1]!) : null };
  });
}
