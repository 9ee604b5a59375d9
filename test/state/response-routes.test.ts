// Routing records on a shared PostgreSQL store, as two instances see them: a record is committed
// before the id it is about can reach a client, records made during a database outage are kept
// and written later, expired records route nowhere. Real stores throughout (PostgreSQL must be reachable).
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/catalogue.js';
import { ResponseRoutes } from '../../src/state/response-routes.js';
import { openStore } from '../../src/store/index.js';
import type { ResponseRoute, Store } from '../../src/store/types.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { waitUntil } from '../support/wait.js';

const route = (over: Partial<ResponseRoute> = {}): ResponseRoute => ({
  responseId: `resp_${randomUUID().replace(/-/g, '')}`,
  apiModelId: randomUUID(),
  model: 'gpt-5',
  upstreamModel: null,
  tokenId: null,
  createdAt: Date.now(),
  usageCountedAt: null,
  ...over,
});

describe('response routing records across instances (PostgreSQL)', () => {
  let pg: TestDatabase;
  let storeA: Store;
  let storeB: Store;
  const errors: unknown[] = [];

  beforeAll(async () => {
    pg = await createTestDatabase('routes');
    [storeA, storeB] = await Promise.all([openStore({ home: tmpdir(), databaseUrl: pg.url }), openStore({ home: tmpdir(), databaseUrl: pg.url })]);
  });
  afterAll(async () => {
    await Promise.all([storeA?.close(), storeB?.close()]);
    await pg?.drop();
  });

  it('commits a record before remember settles, so B finds it at once', async () => {
    const a = new ResponseRoutes(storeA, { onError: (e) => errors.push(e) });
    const b = new ResponseRoutes(storeB, { missRetryMs: 250, onError: (e) => errors.push(e) });
    const r = route();
    const written = a.remember(r);
    expect(written).toBeInstanceOf(Promise); // PostgreSQL answers asynchronously: the caller waits
    await written;
    expect(await storeB.getResponseRoute(r.responseId)).toEqual(r);
    expect(await b.lookup(r.responseId)).toEqual(r);
    expect(b.stats.lateHits).toBe(0);
    // Now cached on B: no store round trip.
    expect(await b.lookup(r.responseId)).toEqual(r);
    expect(b.stats.hits).toBe(1);
  });

  it('gives up after its budget for ids nobody created (and does not wait at all without one)', async () => {
    const b = new ResponseRoutes(storeB, { missRetryMs: 60, onError: (e) => errors.push(e) });
    let started = performance.now();
    expect(await b.lookup('resp_unknown')).toBeUndefined();
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(55);
    expect(waited).toBeLessThan(1_000);
    const single = new ResponseRoutes(storeB, { onError: (e) => errors.push(e) });
    started = performance.now();
    expect(await single.lookup('resp_unknown')).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('treats records older than the retention as absent, cached or stored', async () => {
    const day = 86_400_000;
    const a = new ResponseRoutes(storeA, { maxAgeMs: 30 * day, onError: (e) => errors.push(e) });
    const old = route({ createdAt: Date.now() - 31 * day });
    const recent = route({ createdAt: Date.now() - 29 * day });
    await a.remember(old);
    await a.remember(recent);
    expect(await a.lookup(old.responseId)).toBeUndefined();
    expect(await a.lookup(recent.responseId)).toEqual(recent);
    const b = new ResponseRoutes(storeB, { maxAgeMs: 30 * day, onError: (e) => errors.push(e) });
    expect(await b.lookup(old.responseId)).toBeUndefined();
    expect(await b.lookup(recent.responseId)).toEqual(recent);
  });

  it('keeps records made while the database is down and writes them once it is back; lookups it cannot answer are a 503', async () => {
    const failures: unknown[] = [];
    const a = new ResponseRoutes(storeA, { retryFlushMs: 100, onError: (e) => failures.push(e) });
    const b = new ResponseRoutes(storeB, { onError: (e) => errors.push(e) });
    const r = route();
    await pg.allowConnections(false);
    try {
      await pg.terminateConnections();
      a.remember(r);
      await waitUntil(() => failures.length > 0, 5_000);
      expect(await a.lookup(r.responseId)).toEqual(r); // its own cache still routes
      const err = await b.lookup(r.responseId).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GatewayError);
      expect((err as GatewayError).status).toBe(503);
      expect((err as GatewayError).code).toBe('database_unavailable');
    } finally {
      await pg.allowConnections(true);
    }
    await waitUntil(async () => (await storeB.getResponseRoute(r.responseId)) !== undefined, 5_000, 50);
    expect(await b.lookup(r.responseId)).toEqual(r);
  });
});
