// The whole Store interface, run against both backends: the embedded SQLite default and the
// PostgreSQL scale-out store (a fresh database per run, dropped at the end). PostgreSQL tests
// fail, never skip, when the server is unreachable.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { migrationProvider } from '../../src/store/migrations.js';
import { PostgresStore } from '../../src/store/postgres.js';
import type { SqlStore } from '../../src/store/sql-store.js';
import type { ApiModelRecord, RequestLogEntry, RequestLogQuery, ResponseRoute, RouterRecord, Store, TokenRecord } from '../../src/store/types.js';
import { tempHome } from '../support/gateway.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { waitUntil } from '../support/wait.js';

interface Backend {
  name: 'sqlite' | 'postgres';
  /** Opens another store on the same database (as another instance or the CLI would). */
  open(): Promise<Store>;
  cleanup(): Promise<void>;
  pg?: TestDatabase;
}

async function sqliteBackend(): Promise<Backend> {
  const home = tempHome('bodhi-store-');
  return { name: 'sqlite', open: () => openStore({ home, databaseUrl: undefined }), cleanup: async () => rmSync(home, { recursive: true, force: true }) };
}

async function postgresBackend(): Promise<Backend> {
  const pg = await createTestDatabase('store');
  return { name: 'postgres', pg, open: () => openStore({ home: tmpdir(), databaseUrl: pg.url }), cleanup: () => pg.drop() };
}

// Epoch milliseconds beyond 2^31 (PostgreSQL returns bigint columns as strings).
const T0 = 1_750_000_000_000;

const apiModel = (over: Partial<ApiModelRecord> = {}): ApiModelRecord => ({
  id: randomUUID(),
  name: `m-${randomUUID().slice(0, 8)}`,
  apiFormat: 'openai_responses',
  baseUrl: 'https://api.example.com/v1',
  apiKeyEnc: 'v1:iv:tag:data',
  models: ['gpt-5', 'gpt-4.1'],
  prefix: 'res/',
  forwardAll: false,
  openaiOrganization: null,
  openaiProject: null,
  websocket: null,
  createdAt: T0,
  updatedAt: T0,
  ...over,
});

const token = (over: Partial<TokenRecord> = {}): TokenRecord => ({
  id: randomUUID(),
  name: `t-${randomUUID().slice(0, 8)}`,
  tokenPrefix: randomUUID().slice(0, 8),
  tokenHash: randomUUID().replace(/-/g, '').repeat(2),
  scope: 'user',
  status: 'active',
  createdAt: T0,
  updatedAt: T0,
  lastUsedAt: null,
  expiresAt: null,
  allowedModels: null,
  rateLimitRpm: null,
  ...over,
});

const route = (over: Partial<ResponseRoute> = {}): ResponseRoute => ({
  responseId: `resp_${randomUUID().replace(/-/g, '')}`,
  apiModelId: randomUUID(),
  model: 'res/gpt-5',
  upstreamModel: 'gpt-5',
  tokenId: randomUUID(),
  createdAt: T0,
  usageCountedAt: null,
  ...over,
});

/** Every migration the code knows, in order: each must be applied exactly once. */
const MIGRATIONS = Object.keys(await migrationProvider.getMigrations()).sort();

describe.each([
  ['sqlite', sqliteBackend],
  ['postgres', postgresBackend],
] as const)('Store on %s', (kind, makeBackend) => {
  let backend: Backend;
  let store: Store;

  beforeAll(async () => {
    backend = await makeBackend();
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.close();
    await backend?.cleanup();
  });

  it('reports its kind and a location without secrets', () => {
    expect(store.kind).toBe(kind);
    if (kind === 'sqlite') expect(store.location).toMatch(/bodhi\.sqlite$/);
    else expect(store.location).toBe(backend.pg!.url);
  });

  it('migrates idempotently (a second migrate, and a second store on the same database, change nothing)', async () => {
    await store.migrate();
    const other = await backend.open();
    await other.close();
    const names = await sql<{ name: string }>`select name from kysely_migration order by name`.execute((store as SqlStore).db);
    expect(names.rows.map((r) => r.name)).toEqual(MIGRATIONS);
  });

  it('inserts, lists, updates and deletes API models with every field intact', async () => {
    const a = apiModel({ name: 'alpha', createdAt: T0 + 1 });
    const b = apiModel({ name: 'beta', apiKeyEnc: null, prefix: null, forwardAll: true, models: [], createdAt: T0 });
    await store.insertApiModel(a);
    await store.insertApiModel(b);
    const listed = await store.listApiModels();
    // Ordered by creation time, then name.
    expect(listed.filter((m) => [a.id, b.id].includes(m.id))).toEqual([b, a]);

    const changed = { ...a, baseUrl: 'https://other.example.com/v1', models: ['o3'], forwardAll: true, openaiOrganization: 'org-abc', openaiProject: 'proj_abc', updatedAt: T0 + 99 };
    await store.updateApiModel(changed);
    expect((await store.listApiModels()).find((m) => m.id === a.id)).toEqual(changed);

    expect(await store.deleteApiModel(a.id)).toBe(true);
    expect(await store.deleteApiModel(a.id)).toBe(false);
    expect((await store.listApiModels()).some((m) => m.id === a.id)).toBe(false);
    await store.deleteApiModel(b.id);
  });

  it('stores the websocket setting as null, true or false, and changes it on update', async () => {
    const auto = apiModel({ name: 'ws-auto' });
    const on = apiModel({ name: 'ws-on', websocket: true });
    const off = apiModel({ name: 'ws-off', websocket: false });
    for (const m of [auto, on, off]) await store.insertApiModel(m);
    const websocketOf = async (id: string) => (await store.listApiModels()).find((m) => m.id === id)!.websocket;
    expect(await websocketOf(auto.id)).toBeNull();
    expect(await websocketOf(on.id)).toBe(true);
    expect(await websocketOf(off.id)).toBe(false);
    expect((await store.listApiModels()).find((m) => m.id === on.id)).toEqual(on);
    await store.updateApiModel({ ...auto, websocket: false });
    await store.updateApiModel({ ...on, websocket: null });
    await store.updateApiModel({ ...off, websocket: true });
    expect([await websocketOf(auto.id), await websocketOf(on.id), await websocketOf(off.id)]).toEqual([false, null, true]);
    for (const m of [auto, on, off]) await store.deleteApiModel(m.id);
  });

  it('rejects a second API model with the same name', async () => {
    const a = apiModel({ name: 'dup-name' });
    await store.insertApiModel(a);
    await expect(store.insertApiModel(apiModel({ name: 'dup-name' }))).rejects.toThrow();
    await store.deleteApiModel(a.id);
  });

  it('inserts, lists and updates tokens; updates never touch the hash, prefix or last use', async () => {
    const t = token({ allowedModels: ['gpt-5'], rateLimitRpm: 60, expiresAt: T0 + 86_400_000, scope: 'admin' });
    await store.insertToken(t);
    expect((await store.listTokens()).find((x) => x.id === t.id)).toEqual(t);

    await store.recordTokenUse(new Map([[t.id, T0 + 5]]));
    const updated = { ...t, name: 'renamed', status: 'revoked' as const, tokenHash: 'x'.repeat(64), tokenPrefix: 'zzzz', lastUsedAt: 1, allowedModels: null, rateLimitRpm: null, updatedAt: T0 + 6 };
    await store.updateToken(updated);
    const got = (await store.listTokens()).find((x) => x.id === t.id)!;
    expect(got).toEqual({ ...updated, tokenHash: t.tokenHash, tokenPrefix: t.tokenPrefix, lastUsedAt: T0 + 5 });
  });

  it('rejects two tokens with the same hash', async () => {
    const t = token();
    await store.insertToken(t);
    await expect(store.insertToken(token({ tokenHash: t.tokenHash }))).rejects.toThrow();
  });

  it('records token use in one batch (empty batches are fine)', async () => {
    const [a, b] = [token(), token()];
    await store.insertToken(a);
    await store.insertToken(b);
    await store.recordTokenUse(new Map());
    await store.recordTokenUse(new Map([[a.id, T0 + 10], [b.id, T0 + 20], ['no-such-id', T0]]));
    const rows = await store.listTokens();
    expect(rows.find((x) => x.id === a.id)!.lastUsedAt).toBe(T0 + 10);
    expect(rows.find((x) => x.id === b.id)!.lastUsedAt).toBe(T0 + 20);
  });

  it('moves the config version on every config change, and only then', async () => {
    const seen = new Set([await store.configVersion()]);
    const bump = async (what: string, fn: () => Promise<unknown>, moves: boolean) => {
      const before = await store.configVersion();
      await fn();
      const after = await store.configVersion();
      expect(after !== before, what).toBe(moves);
      if (moves) {
        expect(seen.has(after), `${what} reused a version`).toBe(false);
        seen.add(after);
      }
    };
    const m = apiModel();
    const t = token();
    await bump('insert API model', () => store.insertApiModel(m), true);
    await bump('update API model', () => store.updateApiModel({ ...m, models: ['x'] }), true);
    await bump('insert token', () => store.insertToken(t), true);
    await bump('update token', () => store.updateToken({ ...t, status: 'revoked' }), true);
    await bump('delete API model', () => store.deleteApiModel(m.id), true);
    await bump('record token use', () => store.recordTokenUse(new Map([[t.id, T0]])), false);
    await bump('insert routes', () => store.insertResponseRoutes([route()]), false);
  });

  it('does not move the version when a config change fails (the transaction rolls back)', async () => {
    const a = apiModel({ name: 'rollback-probe' });
    await store.insertApiModel(a);
    const before = await store.configVersion();
    await expect(store.insertApiModel(apiModel({ name: 'rollback-probe' }))).rejects.toThrow();
    expect(await store.configVersion()).toBe(before);
  });

  it('stores, finds, deletes and ignores duplicate routing records', async () => {
    const [r1, r2] = [route({ tokenId: null }), route({ createdAt: T0 + 1 })];
    await store.insertResponseRoutes([]);
    await store.insertResponseRoutes([r1, r2]);
    expect(await store.getResponseRoute(r1.responseId)).toEqual(r1);
    expect(await store.getResponseRoute(r2.responseId)).toEqual(r2);
    // A record written twice (e.g. a retried batch) keeps the first one.
    await store.insertResponseRoutes([{ ...r1, model: 'other' }, route()]);
    expect((await store.getResponseRoute(r1.responseId))!.model).toBe('res/gpt-5');
    await store.deleteResponseRoute(r1.responseId);
    await store.deleteResponseRoute(r1.responseId);
    expect(await store.getResponseRoute(r1.responseId)).toBeUndefined();
    expect(await store.getResponseRoute('resp_never')).toBeUndefined();
  });

  it('prunes routing records older than a cut-off, in batches of the given size', async () => {
    const cutoff = T0 - 1_000;
    const old = Array.from({ length: 25 }, (_, i) => route({ createdAt: cutoff - 1 - i }));
    const fresh = [route({ createdAt: cutoff }), route({ createdAt: cutoff + 1 })];
    await store.insertResponseRoutes([...old, ...fresh]);
    expect(await store.pruneResponseRoutes(cutoff, 10)).toBe(10);
    expect(await store.pruneResponseRoutes(cutoff, 10)).toBe(10);
    expect(await store.pruneResponseRoutes(cutoff, 10)).toBe(5);
    expect(await store.pruneResponseRoutes(cutoff, 10)).toBe(0);
    for (const r of old) expect(await store.getResponseRoute(r.responseId)).toBeUndefined();
    for (const r of fresh) expect(await store.getResponseRoute(r.responseId)).toEqual(r);
    expect(await store.pruneResponseRoutes(cutoff + 2)).toBeGreaterThanOrEqual(2);
  });

  it('claims a response\'s usage once, and marks batches without overriding an earlier claim', async () => {
    const [a, b, c] = [route(), route(), route({ usageCountedAt: T0 })];
    await store.insertResponseRoutes([a, b, c]);
    expect(await store.claimResponseUsage(a.responseId, T0 + 1)).toBe(true);
    expect(await store.claimResponseUsage(a.responseId, T0 + 2)).toBe(false);
    expect(await store.claimResponseUsage(c.responseId, T0 + 3)).toBe(false);
    expect(await store.claimResponseUsage('resp_unknown', T0)).toBe(false);
    await store.markResponseUsage([a.responseId, b.responseId], T0 + 9);
    expect((await store.getResponseRoute(a.responseId))!.usageCountedAt).toBe(T0 + 1);
    expect((await store.getResponseRoute(b.responseId))!.usageCountedAt).toBe(T0 + 9);
    expect(await store.claimResponseUsage(b.responseId, T0 + 10)).toBe(false);
  });

  it('writes request-log rows and sums usage by group and time bucket, counting only counted usage', async () => {
    const base = Date.UTC(2031, 0, 1);
    const row = (over: Partial<RequestLogEntry>): RequestLogEntry => ({
      id: randomUUID(),
      createdAt: base,
      tokenId: 't1',
      tokenName: 'alice',
      method: 'POST',
      route: '/v1/responses',
      model: 'gpt-5',
      apiModelId: 'am1',
      apiModelName: 'res',
      router: null,
      upstreamModel: null,
      attempts: null,
      status: 200,
      durationMs: 12.5,
      ttfbMs: 3.25,
      responseId: 'resp_1',
      stream: false,
      outcome: 'completed',
      inputTokens: 10,
      outputTokens: 5,
      reasoningTokens: 2,
      cachedTokens: 1,
      usageCounted: true,
      ...over,
    });
    const rows = [
      row({}),
      row({ createdAt: base + 30 * 60_000, stream: true }),
      row({ createdAt: base + 61 * 60_000, tokenName: 'bob', model: 'gpt-4o', apiModelName: 'chat', inputTokens: 100, outputTokens: 50, reasoningTokens: null, cachedTokens: null }),
      row({ createdAt: base + 62 * 60_000, usageCounted: false }), // a later poll repeating the usage
      row({ createdAt: base + 63 * 60_000, status: 404, outcome: 'rejected', model: 'nope', apiModelName: null, inputTokens: null, outputTokens: null, reasoningTokens: null, cachedTokens: null, usageCounted: false }),
      row({ createdAt: base - 1 }), // before the window
      row({ createdAt: base + 64 * 60_000, model: 'team', router: 'team', upstreamModel: 'gpt-5', attempts: [{ api_model: 'down', model: 'gpt-5', status: 429, reason: 'http_429', duration_ms: 1.5 }, { api_model: 'res', model: 'gpt-5', status: 200, reason: null, duration_ms: 9 }] }),
    ];
    await store.insertRequestLogs([]);
    await store.insertRequestLogs(rows);
    const listed = await store.listRequestLogs({ since: base, limit: 100 });
    expect(listed).toHaveLength(6);
    expect(listed.find((r) => r.id === rows[1]!.id)).toEqual(rows[1]);
    expect(listed.find((r) => r.id === rows[6]!.id)).toEqual(rows[6]);
    const byRouter = await store.usageByGroup({ since: base, by: 'router' });
    expect(byRouter.find((g) => g.key === 'team')).toMatchObject({ requests: 1, inputTokens: 10 });
    const byTarget = await store.usageByGroup({ since: base, by: 'target' });
    expect(byTarget.find((g) => g.key === 'res/gpt-5')).toMatchObject({ requests: 1, inputTokens: 10 });
    expect(byTarget.find((g) => g.key === null)).toMatchObject({ requests: 5 });

    const byModel = await store.usageByGroup({ since: base, by: 'model' });
    expect(byModel.find((g) => g.key === 'gpt-5')).toEqual({ key: 'gpt-5', requests: 3, errors: 0, inputTokens: 20, outputTokens: 10, reasoningTokens: 4, cachedTokens: 2 });
    expect(byModel.find((g) => g.key === 'gpt-4o')).toMatchObject({ requests: 1, inputTokens: 100, reasoningTokens: 0 });
    expect(byModel.find((g) => g.key === 'nope')).toMatchObject({ requests: 1, errors: 1, inputTokens: 0 });
    const byToken = await store.usageByGroup({ since: base, by: 'token' });
    expect(byToken.find((g) => g.key === 'alice')).toMatchObject({ requests: 5, errors: 1, inputTokens: 30 });
    const byApi = await store.usageByGroup({ since: base, by: 'api-model' });
    expect(byApi.find((g) => g.key === null)).toMatchObject({ requests: 1, errors: 1 });

    const series = await store.usageSeries({ since: base, by: 'model', bucketMs: 3_600_000 });
    expect(series.find((b) => b.key === 'gpt-5' && b.bucketStart === base)).toMatchObject({ requests: 2, inputTokens: 20 });
    expect(series.find((b) => b.key === 'gpt-5' && b.bucketStart === base + 3_600_000)).toMatchObject({ requests: 1, inputTokens: 0 });
    expect(series.find((b) => b.key === 'gpt-4o')).toMatchObject({ bucketStart: base + 3_600_000, inputTokens: 100 });

    expect(await store.pruneRequestLogs(base)).toBe(1);
    expect(await store.listRequestLogs({ since: base - 10, limit: 100 })).toHaveLength(6);
  });

  it('queries the request log with every filter, newest first, paging by (created_at, id) across ties', async () => {
    const base = Date.UTC(2032, 5, 1);
    const window = { since: base, until: base + 3_600_000 };
    let n = 0;
    const row = (over: Partial<RequestLogEntry>): RequestLogEntry => ({
      id: `req-${String(n++).padStart(3, '0')}-${randomUUID()}`,
      createdAt: base,
      tokenId: 'tid-alice',
      tokenName: 'alice',
      method: 'POST',
      route: '/v1/chat/completions',
      model: 'gpt-4o',
      apiModelId: 'am-chat',
      apiModelName: 'chat',
      router: null,
      upstreamModel: 'gpt-4o',
      attempts: null,
      status: 200,
      durationMs: 5,
      ttfbMs: 2,
      responseId: null,
      stream: false,
      outcome: 'completed',
      inputTokens: 1,
      outputTokens: 1,
      reasoningTokens: null,
      cachedTokens: null,
      usageCounted: true,
      ...over,
    });
    const rows = [
      row({}),
      row({ createdAt: base + 10 }),
      // Three rows in the same millisecond, stored out of id order: the id breaks the tie.
      row({ id: `tie-b-${randomUUID()}`, createdAt: base + 20, tokenId: 'tid-bob', tokenName: 'bob' }),
      row({ id: `tie-c-${randomUUID()}`, createdAt: base + 20, status: 404, outcome: 'rejected', model: 'nope', apiModelId: null, apiModelName: null, upstreamModel: null, error: { code: 'model_not_found', message: "The model 'nope' does not exist." } }),
      row({ id: `tie-a-${randomUUID()}`, createdAt: base + 20, status: 502, outcome: 'upstream_failed', apiModelName: 'dead', error: { code: 'upstream_unavailable', message: 'refused' } }),
      row({ createdAt: base + 30, model: 'team', router: 'team', apiModelName: 'chat', attempts: [{ api_model: 'dead', model: 'gpt-4o', status: null, reason: 'connect_refused', duration_ms: 1 }, { api_model: 'chat', model: 'gpt-4o', status: 200, reason: null, duration_ms: 3 }] }),
      row({ createdAt: base + 40, route: '/v1/responses', model: 'gpt-5', apiModelName: 'res', responseId: 'resp_q1' }),
      row({ createdAt: base + 50, status: 401, outcome: 'rejected', tokenId: null, tokenName: null, model: null, apiModelName: null, error: { code: null, message: 'no token' } }),
      row({ createdAt: base - 1 }), // outside the window
      row({ createdAt: base + 3_600_000 }), // `until` is exclusive
    ];
    await store.insertRequestLogs(rows);
    const newestFirst = [...rows.slice(0, 8)].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    const q = async (over: Partial<RequestLogQuery>) => store.queryRequestLogs({ ...window, limit: 100, ...over });
    const idsOf = (list: RequestLogEntry[]) => list.map((r) => r.id);

    const all = await q({});
    expect(idsOf(all)).toEqual(idsOf(newestFirst));
    expect(all.find((r) => r.status === 404)).toEqual(rows[3]);
    expect(all.find((r) => r.router === 'team')).toEqual(rows[5]);
    expect(all.find((r) => r.status === 200 && r.router === null)?.error).toBeUndefined();
    expect(all.find((r) => r.status === 401)?.error).toEqual({ code: null, message: 'no token' });

    expect(idsOf(await q({ token: 'bob' }))).toEqual([rows[2]!.id]);
    expect(await q({ token: 'tid-alice' })).toHaveLength(6);
    expect(await q({ token: 'alice' })).toHaveLength(6);
    expect(idsOf(await q({ model: 'gpt-5' }))).toEqual([rows[6]!.id]);
    expect(idsOf(await q({ apiModel: 'team' }))).toEqual([rows[5]!.id]);
    expect(await q({ apiModel: 'chat' })).toHaveLength(4);
    expect(idsOf(await q({ route: '/v1/responses' }))).toEqual([rows[6]!.id]);
    expect((await q({ status: { min: 400, max: 499 } })).map((r) => r.status)).toEqual([401, 404]);
    expect((await q({ status: { min: 502, max: 502 } })).map((r) => r.status)).toEqual([502]);
    expect(await q({ status: { min: 200, max: 299 } })).toHaveLength(5);
    expect(await q({ since: base + 20, until: base + 31 })).toHaveLength(4);
    expect(await q({ token: 'alice', status: { min: 200, max: 299 }, apiModel: 'chat' })).toHaveLength(3);
    expect(await q({ since: undefined, until: undefined, token: 'nobody' })).toHaveLength(0);

    for (const limit of [1, 2, 3]) {
      const seen: string[] = [];
      let page = await q({ limit });
      while (page.length) {
        seen.push(...idsOf(page));
        const last = page[page.length - 1]!;
        page = await q({ limit, after: { createdAt: last.createdAt, id: last.id } });
      }
      expect(seen, `limit ${limit}`).toEqual(idsOf(newestFirst));
    }
  });

  it('stores routers, and every router change moves the config version', async () => {
    const before = await store.configVersion();
    const r: RouterRecord = {
      id: randomUUID(),
      name: `router-${randomUUID().slice(0, 8)}`,
      strategy: 'weighted',
      targets: [{ apiModelId: 'am1', model: 'gpt-5', weight: 3, enabled: true }, { apiModelId: 'am2', model: 'a/b:c@d', weight: 0, enabled: false }],
      retryOnStatus: [429, 503],
      maxAttempts: null,
      failureThreshold: 3,
      failureWindowMs: 30_000,
      cooldownMs: 30_000,
      maxRetryAfterMs: 300_000,
      createdAt: 1_700_000_000_000,
      updatedAt: 1_700_000_000_000,
    };
    await store.insertRouter(r);
    expect((await store.listRouters()).find((x) => x.id === r.id)).toEqual(r);
    const afterInsert = await store.configVersion();
    expect(afterInsert).not.toBe(before);
    await store.updateRouter({ ...r, maxAttempts: 2, updatedAt: r.updatedAt + 1 });
    expect((await store.listRouters()).find((x) => x.id === r.id)?.maxAttempts).toBe(2);
    expect(await store.configVersion()).not.toBe(afterInsert);
    expect(await store.deleteRouter(r.id)).toBe(true);
    expect(await store.deleteRouter(r.id)).toBe(false);
  });

  it('shares everything with a second store on the same database (another instance or the CLI)', async () => {
    const other = await backend.open();
    try {
      const m = apiModel();
      const t = token();
      const r = route();
      await other.insertApiModel(m);
      await other.insertToken(t);
      await other.insertResponseRoutes([r]);
      expect((await store.listApiModels()).find((x) => x.id === m.id)).toEqual(m);
      expect((await store.listTokens()).find((x) => x.id === t.id)).toEqual(t);
      expect(await store.getResponseRoute(r.responseId)).toEqual(r);
      expect(await store.configVersion()).toBe(await other.configVersion());
    } finally {
      await other.close();
    }
  });

  if (kind === 'sqlite') {
    it('has no change notifications (one process polls its own file)', () => {
      expect(store.subscribeConfigChanges).toBeUndefined();
    });
    return;
  }

  describe('PostgreSQL only', () => {
    it('notifies every subscribed instance of a committed change, within a fraction of a second', async () => {
      const other = await backend.open();
      let calls = 0;
      const unsubscribe = other.subscribeConfigChanges!(() => calls++);
      try {
        await waitUntil(() => (other as PostgresStore).notificationState === 'listening');
        const before = calls;
        const started = performance.now();
        await store.insertToken(token());
        await waitUntil(() => calls > before, 1_000, 2);
        expect(performance.now() - started).toBeLessThan(1_000);
      } finally {
        unsubscribe();
        await other.close();
      }
    });

    it('sends no notification for a change that rolls back', async () => {
      const other = await backend.open();
      let calls = 0;
      other.subscribeConfigChanges!(() => calls++);
      try {
        await waitUntil(() => (other as PostgresStore).notificationState === 'listening');
        const a = apiModel();
        await store.insertApiModel(a);
        await waitUntil(() => calls > 1);
        const before = calls;
        await expect(store.insertApiModel(apiModel({ name: a.name }))).rejects.toThrow();
        await store.recordTokenUse(new Map([['x', 1]]));
        await new Promise((r) => setTimeout(r, 200));
        expect(calls).toBe(before);
      } finally {
        await other.close();
      }
    });

    it('re-establishes the LISTEN connection after the server kills it, and says changes may have been missed', async () => {
      const other = await backend.open();
      let calls = 0;
      other.subscribeConfigChanges!(() => calls++);
      try {
        await waitUntil(() => (other as PostgresStore).notificationState === 'listening');
        const before = calls;
        expect(await backend.pg!.terminateConnections()).toBeGreaterThan(0);
        // The reconnect itself is reported (notifications sent meanwhile were lost).
        await waitUntil(() => calls > before && (other as PostgresStore).notificationState === 'listening', 5_000);
        const afterReconnect = calls;
        await store.insertToken(token()); // the pool reconnects by itself too
        await waitUntil(() => calls > afterReconnect, 1_000, 2);
      } finally {
        await other.close();
      }
    });

    it('keeps trying while the database refuses connections, and recovers when it is back', async () => {
      const other = await backend.open();
      let calls = 0;
      other.subscribeConfigChanges!(() => calls++);
      const pg = backend.pg!;
      try {
        await waitUntil(() => (other as PostgresStore).notificationState === 'listening');
        await pg.allowConnections(false);
        await pg.terminateConnections();
        await waitUntil(() => (other as PostgresStore).notificationState === 'reconnecting');
        await expect(other.configVersion()).rejects.toThrow();
        await new Promise((r) => setTimeout(r, 300));
        expect((other as PostgresStore).notificationState).toBe('reconnecting');
        await pg.allowConnections(true);
        await waitUntil(() => (other as PostgresStore).notificationState === 'listening', 5_000);
        const before = calls;
        await store.insertToken(token());
        await waitUntil(() => calls > before, 1_000, 2);
      } finally {
        await pg.allowConnections(true);
        await other.close();
      }
    });

    it('runs migrations exactly once when several instances start at once on a fresh database (advisory lock)', async () => {
      const fresh = await createTestDatabase('migrate');
      try {
        const stores = await Promise.all(Array.from({ length: 6 }, () => openStore({ home: tmpdir(), databaseUrl: fresh.url })));
        const db = (stores[0] as SqlStore).db;
        const names = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
        expect(names.rows.map((r) => r.name)).toEqual(MIGRATIONS);
        const meta = await sql<{ n: string }>`select count(*) as n from meta`.execute(db);
        expect(Number(meta.rows[0]!.n)).toBe(1);
        // All of them work against the one schema.
        await Promise.all(stores.map((s) => s.insertToken(token())));
        expect((await stores[1]!.listTokens()).length).toBe(6);
        await Promise.all(stores.map((s) => s.close()));
      } finally {
        await fresh.drop();
      }
    });

    it('redacts the password in its location', async () => {
      const { redactDatabaseUrl } = await import('../../src/store/postgres.js');
      expect(redactDatabaseUrl('postgres://bodhi:s3cret@db.internal:5432/bodhi?sslmode=require')).toBe('postgres://bodhi:***@db.internal:5432/bodhi?sslmode=require');
      expect(redactDatabaseUrl('postgresql://db/bodhi?user=u&password=s3cret')).not.toContain('s3cret');
      expect(redactDatabaseUrl('postgres://db.internal/bodhi')).toBe('postgres://db.internal/bodhi');
    });
  });
});

describe('openStore', () => {
  it('refuses a database URL that is not PostgreSQL', async () => {
    await expect(openStore({ home: tmpdir(), databaseUrl: 'mysql://x/y' })).rejects.toThrow(/postgres:\/\//);
  });
});
