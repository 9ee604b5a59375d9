// Store over Kysely, shared by the SQLite and PostgreSQL dialects: only connection set-up
// differs (sqlite.ts, postgres.ts).
import { randomUUID } from 'node:crypto';
import { Migrator, sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { migrationProvider } from './migrations.js';
import { apiModels, localAliases, requestLog, responseRoutes, routers, tokens } from './columns.js';
import type { Database } from './schema.js';
import type { ApiModelRecord, LocalAliasRecord, RequestLogEntry, RequestLogQuery, ResponseRoute, RouterRecord, Store, TokenRecord, UsageBucket, UsageGroup, UsageGroupBy } from './types.js';

const GROUP_COLUMN = { token: 'token_name', model: 'model', 'api-model': 'api_model_name', router: 'router' } as const;

/** What a usage group is keyed by; `target` (a router's API model and upstream model) is derived. */
const groupKey = (by: UsageGroupBy): RawBuilder<string | null> =>
  by === 'target'
    ? sql<string | null>`case when router is null then null else api_model_name || '/' || upstream_model end`
    : sql<string | null>`${sql.ref(GROUP_COLUMN[by])}`;

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
    return rows.map((r) => apiModels.fromRow(r));
  }

  async insertApiModel(model: ApiModelRecord): Promise<void> {
    await this.configChange(async (trx) => {
      await trx.insertInto('api_models').values(apiModels.toRow(model)).execute();
    });
  }

  async updateApiModel(model: ApiModelRecord): Promise<void> {
    await this.configChange(async (trx) => {
      const { id, created_at: _created, ...rest } = apiModels.toRow(model);
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
    return rows.map((r) => localAliases.fromRow(r));
  }

  async insertLocalAlias(alias: LocalAliasRecord): Promise<void> {
    await this.configChange(async (trx) => {
      await trx.insertInto('local_aliases').values(localAliases.toRow(alias)).execute();
    });
  }

  async updateLocalAlias(alias: LocalAliasRecord): Promise<void> {
    await this.configChange(async (trx) => {
      const { id, created_at: _created, ...rest } = localAliases.toRow(alias);
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

  async listRouters(): Promise<RouterRecord[]> {
    const rows = await this.db.selectFrom('routers').selectAll().orderBy('created_at').orderBy('name').execute();
    return rows.map((r) => routers.fromRow(r));
  }

  async insertRouter(router: RouterRecord): Promise<void> {
    await this.configChange(async (trx) => {
      await trx.insertInto('routers').values(routers.toRow(router)).execute();
    });
  }

  async updateRouter(router: RouterRecord): Promise<void> {
    await this.configChange(async (trx) => {
      const { id, created_at: _created, ...rest } = routers.toRow(router);
      await trx.updateTable('routers').set(rest).where('id', '=', id).execute();
    });
  }

  async deleteRouter(id: string): Promise<boolean> {
    let deleted = false;
    await this.configChange(async (trx) => {
      const res = await trx.deleteFrom('routers').where('id', '=', id).executeTakeFirst();
      deleted = Number(res.numDeletedRows) > 0;
    });
    return deleted;
  }

  async listTokens(): Promise<TokenRecord[]> {
    const rows = await this.db.selectFrom('tokens').selectAll().orderBy('created_at').orderBy('name').execute();
    return rows.map((r) => tokens.fromRow(r));
  }

  async insertToken(token: TokenRecord): Promise<void> {
    await this.configChange(async (trx) => {
      await trx.insertInto('tokens').values(tokens.toRow(token)).execute();
    });
  }

  async updateToken(token: TokenRecord): Promise<void> {
    await this.configChange(async (trx) => {
      const { id, created_at: _created, token_hash: _hash, token_prefix: _prefix, last_used_at: _used, ...rest } = tokens.toRow(token);
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
    await this.db
      .insertInto('response_routes')
      .values(routes.map((r) => responseRoutes.toRow(r)))
      .onConflict((oc) => oc.column('response_id').doNothing())
      .execute();
  }

  async getResponseRoute(responseId: string): Promise<ResponseRoute | undefined> {
    const row = await this.db.selectFrom('response_routes').selectAll().where('response_id', '=', responseId).executeTakeFirst();
    return row ? responseRoutes.fromRow(row) : undefined;
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
        .values(entries.slice(i, i + 200).map((e) => requestLog.toRow(e)))
        .execute();
    }
  }

  async listRequestLogs(query: { since?: number; limit: number }): Promise<RequestLogEntry[]> {
    let q = this.db.selectFrom('request_log').selectAll().orderBy('created_at', 'desc').limit(query.limit);
    if (query.since !== undefined) q = q.where('created_at', '>=', query.since);
    return (await q.execute()).map((r) => requestLog.fromRow(r));
  }

  async queryRequestLogs(query: RequestLogQuery): Promise<RequestLogEntry[]> {
    let q = this.db.selectFrom('request_log').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(query.limit);
    const { since, until, token, model, apiModel, route, status, after } = query;
    if (since !== undefined) q = q.where('created_at', '>=', since);
    if (until !== undefined) q = q.where('created_at', '<', until);
    if (token !== undefined) q = q.where((eb) => eb.or([eb('token_name', '=', token), eb('token_id', '=', token)]));
    if (model !== undefined) q = q.where('model', '=', model);
    if (apiModel !== undefined) q = q.where((eb) => eb.or([eb('api_model_name', '=', apiModel), eb('router', '=', apiModel)]));
    if (route !== undefined) q = q.where('route', '=', route);
    if (status !== undefined) q = q.where('status', '>=', status.min).where('status', '<=', status.max);
    if (after !== undefined) {
      q = q.where((eb) => eb.or([eb('created_at', '<', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)])]));
    }
    return (await q.execute()).map((r) => requestLog.fromRow(r));
  }

  async usageByGroup(query: { since: number; by: UsageGroupBy }): Promise<UsageGroup[]> {
    const rows = await this.db
      .selectFrom('request_log')
      .select([groupKey(query.by).as('key'), ...usageColumns()])
      .where('created_at', '>=', query.since)
      .groupBy(sql`1`)
      .orderBy('requests', 'desc')
      .execute();
    return rows.map(toGroup);
  }

  async usageSeries(query: { since: number; by: UsageGroupBy; bucketMs: number }): Promise<UsageBucket[]> {
    // Integer division on both dialects: the bucket size is cast so SQLite doesn't bind it as REAL.
    const bucket: RawBuilder<number> = sql<number>`(created_at / cast(${query.bucketMs} as integer)) * cast(${query.bucketMs} as integer)`;
    const rows = await this.db
      .selectFrom('request_log')
      .select([bucket.as('bucket_start'), groupKey(query.by).as('key'), ...usageColumns()])
      .where('created_at', '>=', query.since)
      .groupBy([sql`1`, sql`2`])
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
