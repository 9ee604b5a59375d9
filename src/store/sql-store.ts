// Store over Kysely, shared by the SQLite and PostgreSQL dialects: only connection set-up
// differs (sqlite.ts, postgres.ts).
import { randomUUID } from 'node:crypto';
import { Migrator, sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { migrationProvider } from './migrations.js';
import type { ApiModelsTable, Database, LocalAliasesTable, RequestLogTable, ResponseRoutesTable, TokensTable } from './schema.js';
import type {
  ApiModelRecord,
  LocalAliasRecord,
  RequestLogEntry,
  ResponseRoute,
  Scope,
  Store,
  TokenRecord,
  TokenStatus,
  UsageBucket,
  UsageGroup,
  UsageGroupBy,
} from './types.js';

// PostgreSQL returns bigint columns as strings; SQLite as numbers.
const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: number | string | null): number | null => (v === null ? null : num(v));

function toApiModel(r: ApiModelsTable): ApiModelRecord {
  return {
    id: r.id,
    name: r.name,
    apiFormat: r.api_format,
    baseUrl: r.base_url,
    apiKeyEnc: r.api_key_enc,
    models: JSON.parse(r.models) as string[],
    prefix: r.prefix,
    forwardAll: r.forward_all === 1,
    openaiOrganization: r.openai_organization,
    openaiProject: r.openai_project,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

function fromApiModel(m: ApiModelRecord): ApiModelsTable {
  return {
    id: m.id,
    name: m.name,
    api_format: m.apiFormat,
    base_url: m.baseUrl,
    api_key_enc: m.apiKeyEnc,
    models: JSON.stringify(m.models),
    prefix: m.prefix,
    forward_all: m.forwardAll ? 1 : 0,
    openai_organization: m.openaiOrganization,
    openai_project: m.openaiProject,
    created_at: m.createdAt,
    updated_at: m.updatedAt,
  };
}

function toLocalAlias(r: LocalAliasesTable): LocalAliasRecord {
  return {
    id: r.id,
    name: r.name,
    modelFile: r.model_file,
    contextSize: r.context_size,
    requestParams: JSON.parse(r.request_params) as Record<string, unknown>,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
  };
}

function fromLocalAlias(a: LocalAliasRecord): LocalAliasesTable {
  return {
    id: a.id,
    name: a.name,
    model_file: a.modelFile,
    context_size: a.contextSize,
    request_params: JSON.stringify(a.requestParams),
    created_at: a.createdAt,
    updated_at: a.updatedAt,
  };
}

function toToken(r: TokensTable): TokenRecord {
  return {
    id: r.id,
    name: r.name,
    tokenPrefix: r.token_prefix,
    tokenHash: r.token_hash,
    scope: r.scope as Scope,
    status: r.status as TokenStatus,
    createdAt: num(r.created_at),
    updatedAt: num(r.updated_at),
    lastUsedAt: numOrNull(r.last_used_at),
    expiresAt: numOrNull(r.expires_at),
    allowedModels: r.allowed_models === null ? null : (JSON.parse(r.allowed_models) as string[]),
    rateLimitRpm: r.rate_limit_rpm,
  };
}

function fromToken(t: TokenRecord): TokensTable {
  return {
    id: t.id,
    name: t.name,
    token_prefix: t.tokenPrefix,
    token_hash: t.tokenHash,
    scope: t.scope,
    status: t.status,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    last_used_at: t.lastUsedAt,
    expires_at: t.expiresAt,
    allowed_models: t.allowedModels === null ? null : JSON.stringify(t.allowedModels),
    rate_limit_rpm: t.rateLimitRpm,
  };
}

const fromRoute = (r: ResponseRoute): ResponseRoutesTable => ({
  response_id: r.responseId,
  api_model_id: r.apiModelId,
  model: r.model,
  token_id: r.tokenId,
  created_at: r.createdAt,
  usage_counted_at: r.usageCountedAt,
});

const toRoute = (r: ResponseRoutesTable): ResponseRoute => ({
  responseId: r.response_id,
  apiModelId: r.api_model_id,
  model: r.model,
  tokenId: r.token_id,
  createdAt: num(r.created_at),
  usageCountedAt: numOrNull(r.usage_counted_at),
});

function fromLog(e: RequestLogEntry): RequestLogTable {
  return {
    id: e.id,
    created_at: e.createdAt,
    token_id: e.tokenId,
    token_name: e.tokenName,
    method: e.method,
    route: e.route,
    model: e.model,
    api_model_id: e.apiModelId,
    api_model_name: e.apiModelName,
    status: e.status,
    duration_ms: e.durationMs,
    ttfb_ms: e.ttfbMs,
    response_id: e.responseId,
    stream: e.stream ? 1 : 0,
    outcome: e.outcome,
    input_tokens: e.inputTokens,
    output_tokens: e.outputTokens,
    reasoning_tokens: e.reasoningTokens,
    cached_tokens: e.cachedTokens,
    usage_counted: e.usageCounted ? 1 : 0,
  };
}

function toLog(r: RequestLogTable): RequestLogEntry {
  return {
    id: r.id,
    createdAt: num(r.created_at),
    tokenId: r.token_id,
    tokenName: r.token_name,
    method: r.method,
    route: r.route,
    model: r.model,
    apiModelId: r.api_model_id,
    apiModelName: r.api_model_name,
    status: r.status,
    durationMs: r.duration_ms,
    ttfbMs: r.ttfb_ms,
    responseId: r.response_id,
    stream: r.stream === 1,
    outcome: r.outcome,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    reasoningTokens: r.reasoning_tokens,
    cachedTokens: r.cached_tokens,
    usageCounted: r.usage_counted === 1,
  };
}

const GROUP_COLUMN = { token: 'token_name', model: 'model', 'api-model': 'api_model_name' } as const;

/** Sums that count each response's usage once (see RequestLogEntry.usageCounted). */
const usageColumns = () =>
  [
    sql<number>`count(*)`.as('requests'),
    sql<number>`sum(case when status >= 400 then 1 else 0 end)`.as('errors'),
    sql<number>`sum(case when usage_counted = 1 then coalesce(input_tokens, 0) else 0 end)`.as('input_tokens'),
    sql<number>`sum(case when usage_counted = 1 then coalesce(output_tokens, 0) else 0 end)`.as('output_tokens'),
    sql<number>`sum(case when usage_counted = 1 then coalesce(reasoning_tokens, 0) else 0 end)`.as('reasoning_tokens'),
    sql<number>`sum(case when usage_counted = 1 then coalesce(cached_tokens, 0) else 0 end)`.as('cached_tokens'),
  ] as const;

interface UsageRowRaw {
  key: string | null;
  requests: number | string;
  errors: number | string | null;
  input_tokens: number | string | null;
  output_tokens: number | string | null;
  reasoning_tokens: number | string | null;
  cached_tokens: number | string | null;
}

const toGroup = (r: UsageRowRaw): UsageGroup => ({
  key: r.key,
  requests: Number(r.requests),
  errors: Number(r.errors ?? 0),
  inputTokens: Number(r.input_tokens ?? 0),
  outputTokens: Number(r.output_tokens ?? 0),
  reasoningTokens: Number(r.reasoning_tokens ?? 0),
  cachedTokens: Number(r.cached_tokens ?? 0),
});

export interface SqlStoreOptions {
  kind: Store['kind'];
  location: string;
  /** Runs inside every config-change transaction, after the version bump (PostgreSQL sends its NOTIFY here, so it is delivered exactly when the change commits). */
  onConfigChanged?: (trx: Transaction<Database>, version: string) => Promise<void>;
  onClose?: () => Promise<void>;
}

export class SqlStore implements Store {
  readonly kind: Store['kind'];
  readonly location: string;

  constructor(
    readonly db: Kysely<Database>,
    private readonly opts: SqlStoreOptions,
  ) {
    this.kind = opts.kind;
    this.location = opts.location;
  }

  /** One round trip; for a clear "cannot connect" before migrating. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  async migrate(): Promise<void> {
    const { error, results } = await new Migrator({ db: this.db, provider: migrationProvider }).migrateToLatest();
    const failed = results?.find((r) => r.status === 'Error');
    if (error || failed) {
      throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
    }
  }

  /** Every config write bumps the version in the same transaction, so pollers never miss one. */
  private async configChange(write: (trx: Transaction<Database>) => Promise<void>): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await write(trx);
      const version = randomUUID();
      await trx.updateTable('meta').set({ value: version }).where('key', '=', 'config_version').execute();
      await this.opts.onConfigChanged?.(trx, version);
    });
  }

  async listApiModels(): Promise<ApiModelRecord[]> {
    const rows = await this.db.selectFrom('api_models').selectAll().orderBy('created_at').orderBy('name').execute();
    return rows.map(toApiModel);
  }

  async insertApiModel(model: ApiModelRecord): Promise<void> {
    await this.configChange(async (trx) => {
      await trx.insertInto('api_models').values(fromApiModel(model)).execute();
    });
  }

  async updateApiModel(model: ApiModelRecord): Promise<void> {
    await this.configChange(async (trx) => {
      const { id, created_at: _created, ...rest } = fromApiModel(model);
      await trx.updateTable('api_models').set(rest).where('id', '=', id).execute();
    });
  }

  async deleteApiModel(id: string): Promise<boolean> {
    let deleted = false;
    await this.configChange(async (trx) => {
      const res = await trx.deleteFrom('api_models').where('id', '=', id).executeTakeFirst();
      deleted = Number(res.numDeletedRows) > 0;
    });
    return deleted;
  }

  async listLocalAliases(): Promise<LocalAliasRecord[]> {
    const rows = await this.db.selectFrom('local_aliases').selectAll().orderBy('created_at').orderBy('name').execute();
    return rows.map(toLocalAlias);
  }

  async insertLocalAlias(alias: LocalAliasRecord): Promise<void> {
    await this.configChange(async (trx) => {
      await trx.insertInto('local_aliases').values(fromLocalAlias(alias)).execute();
    });
  }

  async updateLocalAlias(alias: LocalAliasRecord): Promise<void> {
    await this.configChange(async (trx) => {
      const { id, created_at: _created, ...rest } = fromLocalAlias(alias);
      await trx.updateTable('local_aliases').set(rest).where('id', '=', id).execute();
    });
  }

  async deleteLocalAlias(id: string): Promise<boolean> {
    let deleted = false;
    await this.configChange(async (trx) => {
      const res = await trx.deleteFrom('local_aliases').where('id', '=', id).executeTakeFirst();
      deleted = Number(res.numDeletedRows) > 0;
    });
    return deleted;
  }

  async listTokens(): Promise<TokenRecord[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().orderBy('created_at').orderBy('name').execute();
    return rows.map(toToken);
  }

  async insertToken(token: TokenRecord): Promise<void> {
    await this.configChange(async (trx) => {
      await trx.insertInto('tokens').values(fromToken(token)).execute();
    });
  }

  async updateToken(token: TokenRecord): Promise<void> {
    await this.configChange(async (trx) => {
      const { id, created_at: _created, token_hash: _hash, token_prefix: _prefix, last_used_at: _used, ...rest } = fromToken(token);
      await trx.updateTable('tokens').set(rest).where('id', '=', id).execute();
    });
  }

  async recordTokenUse(uses: ReadonlyMap<string, number>): Promise<void> {
    if (uses.size === 0) return;
    await this.db.transaction().execute(async (trx) => {
      for (const [id, at] of uses) {
        await trx.updateTable('tokens').set({ last_used_at: at }).where('id', '=', id).execute();
      }
    });
  }

  async insertResponseRoutes(routes: readonly ResponseRoute[]): Promise<void> {
    if (routes.length === 0) return;
    const values = routes.map(fromRoute);
    await this.db
      .insertInto('response_routes')
      .values(values)
      .onConflict((oc) => oc.column('response_id').doNothing())
      .execute();
  }

  async getResponseRoute(responseId: string): Promise<ResponseRoute | undefined> {
    const row = await this.db.selectFrom('response_routes').selectAll().where('response_id', '=', responseId).executeTakeFirst();
    return row ? toRoute(row) : undefined;
  }

  async deleteResponseRoute(responseId: string): Promise<void> {
    await this.db.deleteFrom('response_routes').where('response_id', '=', responseId).execute();
  }

  async pruneResponseRoutes(createdBefore: number, limit = 1000): Promise<number> {
    // DELETE ... LIMIT is not portable; a keyed sub-select is, and uses the created_at index.
    const res = await this.db
      .deleteFrom('response_routes')
      .where('response_id', 'in', (qb) =>
        qb.selectFrom('response_routes').select('response_id').where('created_at', '<', createdBefore).limit(limit),
      )
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async claimResponseUsage(responseId: string, at: number): Promise<boolean> {
    const res = await this.db
      .updateTable('response_routes')
      .set({ usage_counted_at: at })
      .where('response_id', '=', responseId)
      .where('usage_counted_at', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) > 0;
  }

  async markResponseUsage(responseIds: readonly string[], at: number): Promise<void> {
    for (let i = 0; i < responseIds.length; i += 500) {
      await this.db
        .updateTable('response_routes')
        .set({ usage_counted_at: at })
        .where('response_id', 'in', responseIds.slice(i, i + 500))
        .where('usage_counted_at', 'is', null)
        .execute();
    }
  }

  async insertRequestLogs(entries: readonly RequestLogEntry[]): Promise<void> {
    // Chunks keep each statement well under SQLite's bound-parameter limit.
    for (let i = 0; i < entries.length; i += 200) {
      await this.db
        .insertInto('request_log')
        .values(entries.slice(i, i + 200).map(fromLog))
        .execute();
    }
  }

  async listRequestLogs(query: { since?: number; limit: number }): Promise<RequestLogEntry[]> {
    let q = this.db.selectFrom('request_log').selectAll().orderBy('created_at', 'desc').limit(query.limit);
    if (query.since !== undefined) q = q.where('created_at', '>=', query.since);
    return (await q.execute()).map(toLog);
  }

  async usageByGroup(query: { since: number; by: UsageGroupBy }): Promise<UsageGroup[]> {
    const column = GROUP_COLUMN[query.by];
    const rows = await this.db
      .selectFrom('request_log')
      .select([sql<string | null>`${sql.ref(column)}`.as('key'), ...usageColumns()])
      .where('created_at', '>=', query.since)
      .groupBy(column)
      .orderBy('requests', 'desc')
      .execute();
    return rows.map(toGroup);
  }

  async usageSeries(query: { since: number; by: UsageGroupBy; bucketMs: number }): Promise<UsageBucket[]> {
    const column = GROUP_COLUMN[query.by];
    // Integer division on both dialects: the bucket size is cast so SQLite doesn't bind it as REAL.
    const bucket: RawBuilder<number> = sql<number>`(created_at / cast(${query.bucketMs} as integer)) * cast(${query.bucketMs} as integer)`;
    const rows = await this.db
      .selectFrom('request_log')
      .select([bucket.as('bucket_start'), sql<string | null>`${sql.ref(column)}`.as('key'), ...usageColumns()])
      .where('created_at', '>=', query.since)
      .groupBy([sql`1`, column])
      .orderBy('bucket_start')
      .execute();
    return rows.map((r) => ({ ...toGroup(r), bucketStart: Number(r.bucket_start) }));
  }

  async pruneRequestLogs(createdBefore: number): Promise<number> {
    const res = await this.db.deleteFrom('request_log').where('created_at', '<', createdBefore).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async configVersion(): Promise<string> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', 'config_version').executeTakeFirst();
    return row?.value ?? '';
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.opts.onClose?.();
  }
}
