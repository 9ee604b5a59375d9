// Memory bounds of the routing records: the cache of records read back from the store holds at
// most `maxCached`, and records waiting for a store that fails are capped at `maxPending` (the
// oldest are dropped). Observed through the public API only: a lookup answered without a store
// read was answered from memory.
import { describe, expect, it } from 'vitest';
import { ResponseRoutes } from '../../src/state/response-routes.js';
import type { ResponseRoute } from '../../src/store/types.js';

// Fresh timestamps: records older than the retention would be treated as absent.
const T0 = Date.now();
const route = (n: number): ResponseRoute => ({ responseId: `resp_${n}`, apiModelId: 'am1', model: 'gpt-5', upstreamModel: null, tokenId: 't1', createdAt: T0 + n, usageCountedAt: null });

function fakeStore() {
  const rows = new Map<string, ResponseRoute>();
  const state = { fail: false, reads: 0 };
  return {
    rows,
    state,
    async insertResponseRoutes(routes: readonly ResponseRoute[]) {
      if (state.fail) throw new Error('database unavailable');
      for (const r of routes) if (!rows.has(r.responseId)) rows.set(r.responseId, { ...r });
    },
    async getResponseRoute(id: string) {
      state.reads++;
      const row = rows.get(id);
      return row && { ...row };
    },
    async deleteResponseRoute(id: string) {
      rows.delete(id);
    },
    async claimResponseUsage() {
      return false;
    },
    async markResponseUsage() {
      if (state.fail) throw new Error('database unavailable');
    },
  };
}

/** Looks each id up; returns the ids answered from memory (no store read). */
async function fromMemory(routes: ResponseRoutes, store: ReturnType<typeof fakeStore>, ids: number[]): Promise<number[]> {
  const hits: number[] = [];
  for (const n of ids) {
    const reads = store.state.reads;
    await routes.lookup(`resp_${n}`);
    if (store.state.reads === reads) hits.push(n);
  }
  return hits;
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('ResponseRoutes memory bounds', () => {
  it('never caches more than maxCached records read from the store, after 3x as many lookups', async () => {
    const MAX = 50;
    const store = fakeStore();
    for (const n of range(0, 3 * MAX)) store.rows.set(`resp_${n}`, route(n));
    const routes = new ResponseRoutes(store, { maxCached: MAX, onError: (e) => expect.fail(String(e)) });
    for (const n of range(0, 3 * MAX)) expect((await routes.lookup(`resp_${n}`))?.responseId).toBe(`resp_${n}`);
    expect(store.state.reads).toBe(3 * MAX);
    // Newest first: whatever is cached is answered before a miss can evict anything.
    const cached = await fromMemory(routes, store, range(0, 3 * MAX).reverse());
    expect(cached.length).toBeGreaterThan(0); // the cache works at all
    expect(cached.length).toBeLessThanOrEqual(MAX);
    expect(cached).toContain(3 * MAX - 1); // the last one read is among those kept
  });

  it('holds at most maxPending records while the store fails, keeping the newest, and writes those once it is back', async () => {
    const MAX = 50;
    const store = fakeStore();
    store.state.fail = true;
    const errors: unknown[] = [];
    const routes = new ResponseRoutes(store, { maxCached: 10, maxPending: MAX, retryFlushMs: 60_000, onError: (e) => errors.push(e) });
    // Three rounds of MAX new records, each followed by a failed write.
    for (const round of [0, 1, 2]) {
      for (const n of range(round * MAX, (round + 1) * MAX)) await routes.remember(route(n));
      await routes.flush();
    }
    expect(errors.length).toBeGreaterThanOrEqual(1);
    expect(store.rows.size).toBe(0);

    // Still routable from memory: at most MAX of them, and those are the newest.
    const inMemory = await fromMemory(routes, store, range(0, 3 * MAX).reverse());
    expect(inMemory.length).toBeLessThanOrEqual(MAX);
    expect(inMemory).toContain(3 * MAX - 1);

    // More records while it still fails, with no write attempt in between: capped all the same.
    for (const n of range(3 * MAX, 6 * MAX)) await routes.remember(route(n));
    const stillInMemory = await fromMemory(routes, store, range(0, 6 * MAX).reverse());
    expect(stillInMemory.length).toBeLessThanOrEqual(MAX);
    expect(stillInMemory).toContain(6 * MAX - 1);

    store.state.fail = false;
    await routes.flush();
    expect(store.rows.size).toBeGreaterThan(0);
    expect(store.rows.size).toBeLessThanOrEqual(MAX);
    expect(store.rows.has(`resp_${6 * MAX - 1}`)).toBe(true);
    expect(store.rows.has('resp_0')).toBe(false);
  });
});
