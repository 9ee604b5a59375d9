import { describe, expect, it, vi } from 'vitest';
import { ResponseRoutes } from '../../src/routing/response-routes.js';
import type { ResponseRoute } from '../../src/store/types.js';

// Fresh timestamps: records older than the retention would be treated as absent.
const T0 = Date.now();
const route = (n: number): ResponseRoute => ({ responseId: `resp_${n}`, apiModelId: 'am1', model: 'gpt-5', tokenId: 't1', createdAt: T0 + n, usageCountedAt: null });

function fakeStore(opts: { fail?: boolean } = {}) {
  const rows = new Map<string, ResponseRoute>();
  const batches: number[] = [];
  const marks: string[][] = [];
  let reads = 0;
  return {
    rows,
    batches,
    marks,
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
    async claimResponseUsage(id: string, at: number) {
      const row = rows.get(id);
      if (!row || row.usageCountedAt !== null) return false;
      rows.set(id, { ...row, usageCountedAt: at });
      return true;
    },
    async markResponseUsage(ids: readonly string[], at: number) {
      marks.push([...ids]);
      for (const id of ids) {
        const row = rows.get(id);
        if (row && row.usageCountedAt === null) rows.set(id, { ...row, usageCountedAt: at });
      }
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

  it('splits a large batch into bounded inserts, letting the event loop run between them', async () => {
    const store = fakeStore();
    const routes = new ResponseRoutes(store, { onError: () => undefined });
    for (let i = 0; i < 2500; i++) routes.remember(route(i));
    // Work the event loop gets to between inserts (requests in flight, with a synchronous store).
    const turnsSeen: number[] = [];
    const tick = () => {
      turnsSeen.push(store.batches.length);
      if (store.batches.length < 13) setImmediate(tick);
    };
    setImmediate(tick);
    await routes.flush();
    expect(store.batches).toEqual([...Array<number>(12).fill(200), 100]);
    expect(store.rows.size).toBe(2500);
    expect(new Set(turnsSeen.filter((n) => n > 0 && n < 13)).size).toBeGreaterThanOrEqual(10);
  });

  it('counts usage once: a create marks its record (in the insert while queued, else with the next batch); polls claim', async () => {
    const store = fakeStore();
    const routes = new ResponseRoutes(store, { onError: () => undefined });
    routes.remember(route(1));
    expect(routes.markUsage('resp_1')).toBe(true);
    expect(routes.markUsage('resp_1')).toBe(false);
    await routes.flush();
    expect(store.rows.get('resp_1')!.usageCountedAt).not.toBeNull();
    expect(store.marks).toEqual([]); // carried by the insert itself
    expect(await routes.claimUsage('resp_1')).toBe(false);

    routes.remember(route(2));
    await routes.flush();
    expect(routes.markUsage('resp_2')).toBe(true); // written already: marked by an update
    await routes.flush();
    expect(store.marks).toEqual([['resp_2']]);
    expect(await routes.claimUsage('resp_2')).toBe(false);

    routes.remember(route(3)); // a background response: counted by the first poll that sees usage
    expect(await routes.claimUsage('resp_3')).toBe(true);
    expect(await routes.claimUsage('resp_3')).toBe(false);
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
