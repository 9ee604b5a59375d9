// One column map per table: each record field's column and how its value is stored. The
// Kysely row types (schema.ts), the record<->row mappers and SQLite's prepared INSERTs are all
// derived from these maps, so a column is added in one place (plus a migration).
import type { Outcome } from '../domain/outcome.js';
import type { ApiFormat, ApiModelRecord, AttemptRecord, LocalAliasRecord, RequestError, RequestLogEntry, ResponseRoute, RouterRecord, RouterStrategy, RouterTargetRecord, Scope, TokenRecord, TokenStatus } from './types.js';

/** How a field's value is stored: `S` is the column's type as the database driver hands it back. */
export interface Codec<V, S> {
  readonly encode: (value: V) => S;
  readonly decode: (stored: S) => V;
}

const asIs = <V>(): Codec<V, V> => ({ encode: (v) => v, decode: (s) => s });
const text = asIs<string>();
const textOrNull = asIs<string | null>();
const num = asIs<number>();
const numOrNull = asIs<number | null>();
/** Text columns holding one of a fixed set of values. */
const oneOf = <V extends string>(): Codec<V, string> => ({ encode: (v) => v, decode: (s) => s as V });
// bigint columns: PostgreSQL returns them as strings, SQLite as numbers.
const epochMs: Codec<number, number | string> = { encode: (v) => v, decode: (s) => (typeof s === 'number' ? s : Number(s)) };
const epochMsOrNull: Codec<number | null, number | string | null> = { encode: (v) => v, decode: (s) => (s === null ? null : epochMs.decode(s)) };
// Booleans are 0/1 integers so the same columns work on both databases.
const flag: Codec<boolean, number> = { encode: (v) => (v ? 1 : 0), decode: (s) => s === 1 };
/** A flag that may be unset: null stays null. */
const flagOrNull: Codec<boolean | null, number | null> = { encode: (v) => (v === null ? null : flag.encode(v)), decode: (s) => (s === null ? null : flag.decode(s)) };
const json = <V>(): Codec<V, string> => ({ encode: (v) => JSON.stringify(v), decode: (s) => JSON.parse(s) as V });
const jsonOrNull = <V>(): Codec<V | null, string | null> => ({
  encode: (v) => (v === null ? null : JSON.stringify(v)),
  decode: (s) => (s === null ? null : (JSON.parse(s) as V)),
});
/** An optional JSON value: absent is stored as null and read back as absent. */
const jsonOptional = <V>(): Codec<V | undefined, string | null> => ({
  encode: (v) => (v === undefined || v === null ? null : JSON.stringify(v)),
  decode: (s) => (s === null || s === undefined ? undefined : (JSON.parse(s) as V)),
});

interface Column<N extends string, V, S> {
  readonly name: N;
  readonly codec: Codec<V, S>;
}

const col = <N extends string, V, S>(name: N, codec: Codec<V, S>): Column<N, V, S> => ({ name, codec });

/** Every field of the record mapped to a column (checked at compile time). */
type ColumnsFor<R> = { readonly [K in keyof R]-?: Column<string, R[K], any> };

/** The row type a column map describes: column name -> stored type. */
export type RowOf<C> = { -readonly [K in keyof C as C[K] extends Column<infer N, any, any> ? N : never]: C[K] extends Column<any, any, infer S> ? S : never };

export class Table<N extends string, R, C extends ColumnsFor<R>> {
  /** Column names in map order (the order of prepared statements' parameters). */
  readonly columns: readonly string[];
  private readonly fields: readonly (keyof R)[];
  private readonly codecs: readonly Codec<unknown, unknown>[];
  // Rows and records start as copies of these, so each shares one object shape (objects built
  // key by key from nothing turn into slow dictionaries at this size).
  private readonly emptyRow: Record<string, unknown>;
  private readonly emptyRecord: Record<keyof R, unknown>;

  constructor(
    readonly name: N,
    spec: C,
  ) {
    this.fields = Object.keys(spec) as (keyof R)[];
    const columns = this.fields.map((field) => spec[field] as Column<string, unknown, unknown>);
    this.columns = columns.map((c) => c.name);
    this.codecs = columns.map((c) => c.codec);
    this.emptyRow = Object.fromEntries(this.columns.map((c) => [c, null]));
    this.emptyRecord = Object.fromEntries(this.fields.map((f) => [f, null])) as Record<keyof R, unknown>;
  }

  toRow(record: R): RowOf<C> {
    const row = { ...this.emptyRow };
    for (let i = 0; i < this.fields.length; i++) row[this.columns[i]!] = this.codecs[i]!.encode(record[this.fields[i]!]);
    return row as RowOf<C>;
  }

  fromRow(row: RowOf<C>): R {
    const stored = row as Record<string, unknown>;
    const record = { ...this.emptyRecord };
    for (let i = 0; i < this.fields.length; i++) record[this.fields[i]!] = this.codecs[i]!.decode(stored[this.columns[i]!]);
    return record as R;
  }

  /** The stored values in `columns` order, for a positional prepared statement. */
  params(record: R): unknown[] {
    const values = new Array<unknown>(this.fields.length);
    for (let i = 0; i < this.fields.length; i++) values[i] = this.codecs[i]!.encode(record[this.fields[i]!]);
    return values;
  }

  /** A one-row INSERT with positional parameters in `columns` order; `suffix` e.g. an ON CONFLICT clause. */
  insertSql(suffix = ''): string {
    const sql = `INSERT INTO ${this.name} (${this.columns.join(', ')}) VALUES (${this.columns.map(() => '?').join(', ')})`;
    return suffix ? `${sql} ${suffix}` : sql;
  }
}

const table =
  <R>() =>
  <N extends string, C extends ColumnsFor<R>>(name: N, spec: C): Table<N, R, C> =>
    new Table<N, R, C>(name, spec);

export const apiModels = table<ApiModelRecord>()('api_models', {
  id: col('id', text),
  name: col('name', text),
  apiFormat: col('api_format', oneOf<ApiFormat>()),
  baseUrl: col('base_url', text),
  apiKeyEnc: col('api_key_enc', textOrNull),
  models: col('models', json<string[]>()),
  prefix: col('prefix', textOrNull),
  forwardAll: col('forward_all', flag),
  openaiOrganization: col('openai_organization', textOrNull),
  openaiProject: col('openai_project', textOrNull),
  websocket: col('websocket', flagOrNull),
  createdAt: col('created_at', epochMs),
  updatedAt: col('updated_at', epochMs),
});

export const tokens = table<TokenRecord>()('tokens', {
  id: col('id', text),
  name: col('name', text),
  tokenPrefix: col('token_prefix', text),
  tokenHash: col('token_hash', text),
  scope: col('scope', oneOf<Scope>()),
  status: col('status', oneOf<TokenStatus>()),
  createdAt: col('created_at', epochMs),
  updatedAt: col('updated_at', epochMs),
  lastUsedAt: col('last_used_at', epochMsOrNull),
  expiresAt: col('expires_at', epochMsOrNull),
  allowedModels: col('allowed_models', jsonOrNull<string[]>()),
  rateLimitRpm: col('rate_limit_rpm', numOrNull),
});

export const localAliases = table<LocalAliasRecord>()('local_aliases', {
  id: col('id', text),
  name: col('name', text),
  modelFile: col('model_file', text),
  contextSize: col('context_size', numOrNull),
  requestParams: col('request_params', json<Record<string, unknown>>()),
  createdAt: col('created_at', epochMs),
  updatedAt: col('updated_at', epochMs),
});

export const routers = table<RouterRecord>()('routers', {
  id: col('id', text),
  name: col('name', text),
  strategy: col('strategy', oneOf<RouterStrategy>()),
  targets: col('targets', json<RouterTargetRecord[]>()),
  retryOnStatus: col('retry_on_status', json<number[]>()),
  maxAttempts: col('max_attempts', numOrNull),
  failureThreshold: col('failure_threshold', num),
  failureWindowMs: col('failure_window_ms', epochMs),
  cooldownMs: col('cooldown_ms', epochMs),
  maxRetryAfterMs: col('max_retry_after_ms', epochMs),
  createdAt: col('created_at', epochMs),
  updatedAt: col('updated_at', epochMs),
});

export const responseRoutes = table<ResponseRoute>()('response_routes', {
  responseId: col('response_id', text),
  apiModelId: col('api_model_id', text),
  model: col('model', text),
  upstreamModel: col('upstream_model', textOrNull),
  tokenId: col('token_id', textOrNull),
  createdAt: col('created_at', epochMs),
  usageCountedAt: col('usage_counted_at', epochMsOrNull),
});

export const requestLog = table<RequestLogEntry>()('request_log', {
  id: col('id', text),
  createdAt: col('created_at', epochMs),
  tokenId: col('token_id', textOrNull),
  tokenName: col('token_name', textOrNull),
  method: col('method', text),
  route: col('route', text),
  model: col('model', textOrNull),
  apiModelId: col('api_model_id', textOrNull),
  apiModelName: col('api_model_name', textOrNull),
  router: col('router', textOrNull),
  upstreamModel: col('upstream_model', textOrNull),
  attempts: col('attempts', jsonOrNull<AttemptRecord[]>()),
  status: col('status', num),
  durationMs: col('duration_ms', num),
  ttfbMs: col('ttfb_ms', numOrNull),
  responseId: col('response_id', textOrNull),
  stream: col('stream', flag),
  outcome: col('outcome', oneOf<Outcome>()),
  inputTokens: col('input_tokens', numOrNull),
  outputTokens: col('output_tokens', numOrNull),
  reasoningTokens: col('reasoning_tokens', numOrNull),
  cachedTokens: col('cached_tokens', numOrNull),
  usageCounted: col('usage_counted', flag),
  error: col('error', jsonOptional<RequestError>()),
});
