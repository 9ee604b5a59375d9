// Store over Kysely, shared by the SQLite and PostgreSQL dialects: only connection set-up
// differs (sqlite.ts, postgres.ts).
import { randomUUID } from 'node:crypto';
import { Migrator, sql, type Kysely, type Transaction } from 'kysely';
import { migrationProvider } from './migrations.js';
import type { ApiModelsTable, Database, ResponseRoutesTable, TokensTable } from './schema.js';
import type { ApiModelRecord, ResponseRoute, Scope, Store, TokenRecord, TokenStatus } from './types.js';

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
    created_at: m.createdAt,
    updated_at: m.updatedAt,
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

const toRoute = (r: ResponseRoutesTable): ResponseRoute => ({
  responseId: r.response_id,
  apiModelId: r.api_model_id,
  model: r.model,
  tokenId: r.token_id,
  createdAt: num(r.created_at),
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
    const values = routes.map((r) => ({
      response_id: r.responseId,
      api_model_id: r.apiModelId,
      model: r.model,
      token_id: r.tokenId,
      created_at: r.createdAt,
    }));
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

  async configVersion(): Promise<string> {
    const row = await this.db.selectFrom('meta').select('value').where('key', '=', 'config_version').executeTakeFirst();
    return row?.value ?? '';
  }

  async close(): Promise<void> {
    await this.db.destroy();
    await this.opts.onClose?.();
  }
}
