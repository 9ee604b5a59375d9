// Expired routing records are pruned in bounded batches that leave room for other work: with
// SQLite (synchronous driver) one huge DELETE would freeze every request meanwhile.
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RoutePruner } from '../../src/state/route-pruner.js';
import { openStore } from '../../src/store/index.js';
import type { ResponseRoute, Store } from '../../src/store/types.js';
import { tempHome } from '../support/gateway.js';

const DAY = 86_400_000;
const route = (createdAt: number): ResponseRoute => ({ responseId: `resp_${randomUUID()}`, apiModelId: 'm', model: 'gpt-5', upstreamModel: null, tokenId: null, createdAt, usageCountedAt: null });

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
    const order: string[] = [];
    const running = pruner.prune(now).then((n) => (order.push('prune done'), n));
    // A lookup issued after pruning started completes before pruning ends: it is not queued
    // behind the whole backlog.
    await new Promise((r) => setImmediate(r));
    await store.getResponseRoute(kept[0]!.responseId);
    order.push('lookup done');
    expect(await running).toBe(5_000);
    expect(order).toEqual(['lookup done', 'prune done']);
    expect(pruned).toEqual([5_000]);
    for (const r of kept) expect(await store.getResponseRoute(r.responseId)).toEqual(r);
    expect(await pruner.prune(now)).toBe(0);
  });

  it('runs on its own schedule, and not at all with retention 0', async () => {
    // The schedule on a fake clock (only setTimeout: the store and the batches run for real).
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const old = route(Date.now() - 2 * DAY);
      await store.insertResponseRoutes([old]);
      const off = new RoutePruner(store, { retentionMs: 0, firstRunMs: 1, onError: (e) => expect.fail(String(e)) });
      off.start();
      expect(vi.getTimerCount()).toBe(0); // nothing scheduled at all
      await off.stop();

      const runs: number[] = [];
      let ran!: () => void;
      let nextRun = new Promise<void>((r) => (ran = r));
      const on = new RoutePruner(store, {
        retentionMs: DAY,
        firstRunMs: 1_000,
        intervalMs: 60_000,
        onPruned: (n) => {
          runs.push(n);
          ran();
        },
        onError: (e) => expect.fail(String(e)),
      });
      on.start();
      await vi.advanceTimersByTimeAsync(999);
      expect(runs).toEqual([]);
      expect(await store.getResponseRoute(old.responseId)).toBeDefined(); // not before firstRunMs
      await vi.advanceTimersByTimeAsync(1);
      await nextRun;
      expect(runs).toHaveLength(1);
      expect(await store.getResponseRoute(old.responseId)).toBeUndefined();

      // And again every intervalMs after that.
      const older = route(Date.now() - 3 * DAY);
      await store.insertResponseRoutes([older]);
      nextRun = new Promise<void>((r) => (ran = r));
      await vi.advanceTimersByTimeAsync(59_000);
      expect(runs).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1_000);
      await nextRun;
      expect(runs).toEqual([runs[0], 1]);
      expect(await store.getResponseRoute(older.responseId)).toBeUndefined();
      await on.stop();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
