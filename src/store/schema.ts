// Kysely table types, derived from the column maps (columns.ts). Timestamps are epoch
// milliseconds; booleans are 0/1 integers so the same columns work on SQLite and PostgreSQL.
import type { Generated } from 'kysely';
import type { apiModels, localAliases, requestLog, responseRoutes, routers, tokens } from './columns.js';

type TableOf<T> = T extends { toRow(record: never): infer Row } ? Row : never;

export type ApiModelsTable = TableOf<typeof apiModels>;
export type TokensTable = TableOf<typeof tokens>;
export type ResponseRoutesTable = TableOf<typeof responseRoutes>;
export type RequestLogTable = TableOf<typeof requestLog>;
export type LocalAliasesTable = TableOf<typeof localAliases>;
export type RoutersTable = TableOf<typeof routers>;

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
  routers: RoutersTable;
  meta: MetaTable;
}

export type { Generated };
