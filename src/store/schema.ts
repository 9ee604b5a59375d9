// Kysely table types. Timestamps are epoch milliseconds; booleans are 0/1 integers so the
// same columns work on SQLite and PostgreSQL.
import type { Generated } from 'kysely';

export interface ApiModelsTable {
  id: string;
  name: string;
  api_format: string;
  base_url: string;
  api_key_enc: string | null;
  models: string;
  prefix: string | null;
  forward_all: number;
  openai_organization: string | null;
  openai_project: string | null;
  created_at: number | string;
  updated_at: number | string;
}

export interface TokensTable {
  id: string;
  name: string;
  token_prefix: string;
  token_hash: string;
  scope: string;
  status: string;
  created_at: number | string;
  updated_at: number | string;
  last_used_at: number | string | null;
  expires_at: number | string | null;
  allowed_models: string | null;
  rate_limit_rpm: number | null;
}

export interface ResponseRoutesTable {
  response_id: string;
  api_model_id: string;
  model: string;
  token_id: string | null;
  created_at: number | string;
  usage_counted_at: number | string | null;
}

export interface RequestLogTable {
  id: string;
  created_at: number | string;
  token_id: string | null;
  token_name: string | null;
  method: string;
  route: string;
  model: string | null;
  api_model_id: string | null;
  api_model_name: string | null;
  status: number;
  duration_ms: number;
  ttfb_ms: number | null;
  response_id: string | null;
  stream: number;
  outcome: string;
  input_tokens: number | null;
  output_tokens: number | null;
  reasoning_tokens: number | null;
  cached_tokens: number | null;
  usage_counted: number;
}

export interface LocalAliasesTable {
  id: string;
  name: string;
  model_file: string;
  context_size: number | null;
  /** JSON object. */
  request_params: string;
  created_at: number | string;
  updated_at: number | string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface Database {
  api_models: ApiModelsTable;
  tokens: TokensTable;
  response_routes: ResponseRoutesTable;
  request_log: RequestLogTable;
  local_aliases: LocalAliasesTable;
  meta: MetaTable;
}

export type { Generated };
