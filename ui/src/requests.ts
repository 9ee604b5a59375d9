// The request log as GET /bodhi/v1/requests returns it, and the filters the Requests page sends.
import { getJson } from './api';

export interface RequestAttempt {
  api_model: string;
  model: string;
  status: number | null;
  reason: string | null;
  duration_ms: number;
}

export interface RequestRow {
  object: 'request';
  id: string;
  created_at: string;
  token_id: string | null;
  token_name: string | null;
  method: string;
  route: string;
  model: string | null;
  api_model_id: string | null;
  api_model: string | null;
  router: string | null;
  upstream_model: string | null;
  attempts: RequestAttempt[] | null;
  status: number;
  duration_ms: number;
  ttfb_ms: number | null;
  response_id: string | null;
  stream: boolean;
  outcome: string;
  input_tokens: number | null;
  output_tokens: number | null;
  reasoning_tokens: number | null;
  cached_tokens: number | null;
  usage_counted: boolean;
  error: { code: string | null; message: string } | null;
}

export interface RequestPage {
  object: 'list';
  data: RequestRow[];
  next_cursor: string | null;
}

export interface RequestFilters {
  since?: string;
  until?: string;
  token?: string;
  model?: string;
  api_model?: string;
  route?: string;
  status?: string;
}

export const PAGE_SIZE = 50;

/** Time windows back from now; `custom` uses the since/until fields, `all` sends neither. */
export const REQUEST_WINDOWS = [
  { id: '15m', label: '15 min' },
  { id: '1h', label: '1 hour' },
  { id: '24h', label: '24 hours' },
  { id: '7d', label: '7 days' },
  { id: 'all', label: 'All' },
  { id: 'custom', label: 'Custom' },
] as const;
export type RequestWindow = (typeof REQUEST_WINDOWS)[number]['id'];

export const STATUS_CLASSES = [
  { id: '', label: 'Any' },
  { id: '2xx', label: '2xx' },
  { id: '4xx', label: '4xx' },
  { id: '5xx', label: '5xx' },
] as const;

/** Route patterns the model APIs record (others seen in the list are added to the picker). */
export const KNOWN_ROUTES = [
  '/v1/responses',
  '/v1/responses/:id',
  '/v1/responses/:id/cancel',
  '/v1/responses/:id/input_items',
  '/v1/responses/compact',
  '/v1/responses/input_tokens',
  '/v1/chat/completions',
  '/v1/embeddings',
  '/v1/messages',
  '/v1/messages/count_tokens',
  '/anthropic/v1/messages',
  '/v1/models',
];

export function requestsUrl(filters: RequestFilters, cursor?: string | null, limit = PAGE_SIZE): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
  params.set('limit', String(limit));
  if (cursor) params.set('cursor', cursor);
  return `/bodhi/v1/requests?${params}`;
}

export const getRequests = (filters: RequestFilters, cursor?: string | null) => getJson<RequestPage>(requestsUrl(filters, cursor));

/** `datetime-local` value (local time) to an ISO time for the API; empty stays empty. */
export const localToIso = (value: string): string | undefined => (value ? new Date(value).toISOString() : undefined);

export const ms = (v: number | null): string => (v === null ? '—' : v < 1000 ? `${Math.round(v)} ms` : `${(v / 1000).toFixed(2)} s`);

export const statusTone = (status: number): 'green' | 'amber' | 'red' | 'grey' =>
  status < 300 ? 'green' : status < 400 ? 'grey' : status < 500 ? 'amber' : 'red';
