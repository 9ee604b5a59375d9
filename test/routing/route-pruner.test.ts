// Expired routing records are pruned in bounded batches that leave room for other work: with
// SQLite (synchronous driver) one huge DELETE would freeze every request meanwhile.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RoutePruner } from '../../src/routing/route-pruner.js';
import { openStore } from '../../src/store/index.js';
import type { ResponseRoute, Store } from '../../src/store/types.js';
import { tempHome } from '../support/gateway.js';

const DAY = 86_400_000;
const route = (createdAt: number): ResponseRoute => ({ responseId: `resp_${randomUUID()}`, apiModelId: 'm', model: 'gpt-5', tokenId: null, createdAt, usageCountedAt: null });

describe('RoutePruner (SQLite)', () => {
  let home: string;
  let store: Store;

  beforeAll(async () => {
    home = tempHome('bodhi-prune-');
    store = await openStore({ home, databaseUrl: undefined });
  });
  afterAll(async () => {
    await store?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('deletes only records past the retention, in batches, while other queries keep running', async () => {
    const now = Date.now();
    const expired = Array.from({ length: 5_000 }, (_, i) => route(now - 31 * DAY - i));
    const kept = [route(now - 29 * DAY), route(now)];
    for (let i = 0; i < expired.length; i += 500) await store.insertResponseRoutes(expired.slice(i, i + 500));
    await store.insertResponseRoutes(kept);

    const pruned: number[] = [];
    const pruner = new RoutePruner(store, { retentionMs: 30 * DAY, batchSize: 500, onPruned: (n) => pruned.push(n), onError: (e) => { throw e; } });
    let pruneDone = 0;
    const running = pruner.prune(now).then((n) => ((pruneDone = performance.now()), n));
    // A lookup issued after pruning started completes before pruning ends: it is not queued
    // behind the whole backlog.
    await new Promise((r) => setImmediate(r));
    await store.getResponseRoute(kept[0]!.responseId);
    const lookupDone = performance.now();
    expect(await running).toBe(5_000);
    expect(lookupDone).toBeLessThan(pruneDone);
    expect(pruned).toEqual([5_000]);
    for (const r of kept) expect(await store.getResponseRoute(r.responseId)).toEqual(r);
    expect(await pruner.prune(now)).toBe(0);
  });

  it('runs on its own schedule, and not at all with retention 0', async () => {
    const old = route(Date.now() - 2 * DAY);
    await store.insertResponseRoutes([old]);
    const off = new RoutePruner(store, { retentionMs: 0, firstRunMs: 1, onError: () => undefined });
    off.start();
    await new Promise((r) => setTimeout(r, 30));
    expect(await store.getResponseRoute(old.responseId)).toBeDefined();
    await off.stop();

    const on = new RoutePruner(store, { retentionMs: DAY, firstRunMs: 1, intervalMs: 10, onError: () => undefined });
    on.start();
    await new Promise((r) => setTimeout(r, 50));
    await on.stop();
    expect(await store.getResponseRoute(old.responseId)).toBeUndefined();
  });
});
