// The column maps are the one definition of each table's columns: they must match what the
// migrations create, and the mappers and prepared-statement parts derived from them must agree.
import { rmSync } from 'node:fs';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiModels, localAliases, requestLog, responseRoutes, tokens } from '../../src/store/columns.js';
import { openStore } from '../../src/store/index.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { RequestLogEntry, TokenRecord } from '../../src/store/types.js';
import { tempHome } from '../support/gateway.js';

const entry: RequestLogEntry = {
  id: 'req-1',
  createdAt: 1_750_000_000_000,
  tokenId: 't1',
  tokenName: 'app',
  method: 'POST',
  route: '/v1/responses',
  model: 'gpt-5',
  apiModelId: 'am1',
  apiModelName: 'openai',
  router: null,
  upstreamModel: null,
  attempts: null,
  status: 200,
  durationMs: 12.5,
  ttfbMs: null,
  responseId: 'resp_1',
  stream: true,
  outcome: 'completed',
  inputTokens: 10,
  outputTokens: 20,
  reasoningTokens: null,
  cachedTokens: 3,
  usageCounted: false,
};

describe('column maps', () => {
  let home: string;
  let store: SqlStore;
  beforeAll(async () => {
    home = tempHome('bodhi-columns-');
    store = (await openStore({ home, databaseUrl: undefined })) as SqlStore;
  });
  afterAll(async () => {
    await store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it.each([apiModels, tokens, localAliases, responseRoutes, requestLog])('lists exactly the columns the migrations create ($name)', async (table) => {
    const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${table.name})`.execute(store.db);
    expect([...table.columns].sort()).toEqual(rows.map((r) => r.name).sort());
  });

  it('maps a record to a row and back, encoding booleans as 0/1', () => {
    const row = requestLog.toRow(entry);
    expect(row).toMatchObject({ id: 'req-1', created_at: entry.createdAt, stream: 1, usage_counted: 0, ttfb_ms: null, cached_tokens: 3 });
    expect(requestLog.fromRow(row)).toEqual(entry);
    // PostgreSQL hands bigint columns back as strings.
    expect(requestLog.fromRow({ ...row, created_at: String(entry.createdAt) })).toEqual(entry);
  });

  it('stores JSON fields as text and reads them back', () => {
    const token: TokenRecord = {
      id: 'tk',
      name: 'n',
      tokenPrefix: 'p',
      tokenHash: 'h',
      scope: 'admin',
      status: 'active',
      createdAt: 1,
      updatedAt: 2,
      lastUsedAt: null,
      expiresAt: 3,
      allowedModels: ['a', 'b'],
      rateLimitRpm: null,
    };
    const row = tokens.toRow(token);
    expect(row.allowed_models).toBe('["a","b"]');
    expect(tokens.fromRow(row)).toEqual(token);
    expect(tokens.fromRow({ ...row, allowed_models: null }).allowedModels).toBeNull();
  });

  it('derives a positional INSERT whose parameters follow the column order', () => {
    expect(responseRoutes.insertSql('ON CONFLICT (response_id) DO NOTHING')).toBe(
      'INSERT INTO response_routes (response_id, api_model_id, model, upstream_model, token_id, created_at, usage_counted_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (response_id) DO NOTHING',
    );
    const row = requestLog.toRow(entry) as Record<string, unknown>;
    expect(requestLog.params(entry)).toEqual(requestLog.columns.map((c) => row[c]));
  });
});
