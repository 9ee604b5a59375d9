import { describe, expect, it, vi } from 'vitest';
import { ResponseRoutes } from '../../src/routing/response-routes.js';
import type { ResponseRoute } from '../../src/store/types.js';

const route = (n: number): ResponseRoute => ({ responseId: `resp_${n}`, apiModelId: 'am1', model: 'gpt-5', tokenId: 't1', createdAt: n });

function fakeStore(opts: { fail?: boolean } = {}) {
  const rows = new Map<string, ResponseRoute>();
  const batches: number[] = [];
  let reads = 0;
  return {
    rows,
    batches,
    reads: () => reads,
    async insertResponseRoutes(routes: readonly ResponseRoute[]) {
      if (opts.fail) throw new Error('disk full');
      batches.push(routes.length);
      for (const r of routes) if (!rows.has(r.responseId)) rows.set(r.responseId, r);
    },
    async getResponseRoute(id: string) {
      reads++;
      return rows.get(id);
    },
    async deleteResponseRoute(id: string) {
      rows.delete(id);
    },
  };
}

describe('ResponseRoutes', () => {
  it('finds a record before it is written, and from the store after, caching what it read', async () => {
    const store = fakeStore();
    const routes = new ResponseRoutes(store, { onError: () => undefined });
    routes.remember(route(1));
    expect(await routes.lookup('resp_1')).toEqual(route(1));
    expect(store.reads()).toBe(0);
    await routes.flush();
    expect(store.rows.get('resp_1')).toEqual(route(1));
    expect(await routes.lookup('resp_1')).toEqual(route(1));
    expect(await routes.lookup('resp_1')).toEqual(route(1));
    expect(store.reads()).toBe(1);
    expect(await routes.lookup('resp_404')).toBeUndefined();
  });

  it('writes records in batches: a lone record within the flush delay, a burst in one insert', async () => {
    const store = fakeStore();
    const routes = new ResponseRoutes(store, { flushDelayMs: 5, minFlushIntervalMs: 50, onError: () => undefined });
    routes.remember(route(1));
    await vi.waitFor(() => expect(store.batches).toEqual([1]), { timeout: 2_000, interval: 2 });
    for (let i = 2; i <= 101; i++) routes.remember(route(i));
    await new Promise((r) => setTimeout(r, 10));
    expect(store.batches).toEqual([1]); // the next batch waits for the minimum interval
    await vi.waitFor(() => expect(store.batches).toEqual([1, 100]), { timeout: 2_000, interval: 5 });
  });

  it('splits a large batch into bounded inserts', async () => {
    const store = fakeStore();
    const routes = new ResponseRoutes(store, { onError: () => undefined });
    for (let i = 0; i < 2500; i++) routes.remember(route(i));
    await routes.flush();
    expect(store.batches).toEqual([1000, 1000, 500]);
    expect(store.rows.size).toBe(2500);
  });

  it('keeps routing from memory when the store cannot be written, and reports it', async () => {
    const store = fakeStore({ fail: true });
    const errors: unknown[] = [];
    const routes = new ResponseRoutes(store, { onError: (e) => errors.push(e) });
    routes.remember(route(1));
    await routes.flush();
    expect(errors).toHaveLength(1);
    expect(await routes.lookup('resp_1')).toEqual(route(1));
    expect(store.reads()).toBe(0);
  });

  it('forgets a record everywhere, also one not yet written', async () => {
    const store = fakeStore();
    const routes = new ResponseRoutes(store, { onError: () => undefined });
    routes.remember(route(1));
    await routes.forget('resp_1');
    await routes.flush();
    expect(store.rows.has('resp_1')).toBe(false);
    expect(await routes.lookup('resp_1')).toBeUndefined();
  });
});
