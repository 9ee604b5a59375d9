// How routing records reach the store: committed before the response's id can reach the client
// (remember's promise, which the forwarder waits for; one commit per event-loop turn), kept in
// memory and retried while the store refuses them, usage marks written in batches. A fake store counts
// what it is asked to do.
import { describe, expect, it, vi } from 'vitest';
import { ResponseRoutes } from '../../src/state/response-routes.js';
import type { ResponseRoute } from '../../src/store/types.js';

// Fresh timestamps: records older than the retention would be treated as absent.
const T0 = Date.now();
const route = (n: number): ResponseRoute => ({ responseId: `resp_${n}`, apiModelId: 'am1', model: 'gpt-5', upstreamModel: null, tokenId: 't1', createdAt: T0 + n, usageCountedAt: null });

function fakeStore() {
  const rows = new Map<string, ResponseRoute>();
  const batches: number[] = [];
  const marks: string[][] = [];
  const state = { failing: false, reads: 0 };
  const insert = (routes: readonly ResponseRoute[]) => {
    if (state.failing) throw new Error('disk full');
    batches.push(routes.length);
    for (const r of routes) if (!rows.has(r.responseId)) rows.set(r.responseId, r);
  };
  return {
    rows,
    batches,
    marks,
    state,
    async insertResponseRoutes(routes: readonly ResponseRoute[]) {
      insert(routes);
    },
    async getResponseRoute(id: string) {
      state.reads++;
      return rows.get(id);
    },
    async claimResponseUsage(id: string, at: number) {
      const row = rows.get(id);
      if (!row || row.usageCountedAt !== null) return false;
      rows.set(id, { ...row, usageCountedAt: at });
      return true;
    },
    async markResponseUsage(ids: readonly string[], at: number) {
      if (state.failing) throw new Error('disk full');
      marks.push([...ids]);
      for (const id of ids) {
        const row = rows.get(id);
        if (row && row.usageCountedAt === null) rows.set(id, { ...row, usageCountedAt: at });
      }
    },
  };
}

describe('ResponseRoutes writes', () => {
  it('commits the records of one event-loop turn together; each remember settles once they are stored', async () => {
    const store = fakeStore();
    const routes = new ResponseRoutes(store, { onError: () => undefined });
    const written = [1, 2, 3].map((n) => routes.remember(route(n)));
    expect(written[0]).toBe(written[2]); // one commit for the turn
    expect(store.rows.size).toBe(0);
    expect(await routes.lookup('resp_1')).toEqual(route(1)); // routed from memory meanwhile
    await written[0];
    expect(store.batches).toEqual([3]);
    expect(store.rows.get('resp_2')).toEqual(route(2));
    await routes.remember(route(4)); // the next turn: a commit of its own
    expect(store.batches).toEqual([3, 1]);
    expect(await routes.lookup('resp_4')).toEqual(route(4));
    expect(await routes.lookup('resp_4')).toEqual(route(4));
    expect(store.state.reads).toBe(1); // read back once, then cached
  });

  it('lets the response go on when the store does not answer in time: the record waits in memory', async () => {
    const store = fakeStore();
    let release: () => void = () => undefined;
    store.insertResponseRoutes = () => new Promise<void>((resolve) => (release = resolve)); // hangs
    const errors: unknown[] = [];
    const routes = new ResponseRoutes(store, { commitWaitMs: 50, retryFlushMs: 60_000, onError: (e) => errors.push(e) });
    const started = performance.now();
    await routes.remember(route(1));
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('did not commit');
    expect(await routes.lookup('resp_1')).toEqual(route(1));
    release();
  });

  it('keeps a refused record in memory, reports the outage once, and writes it when the store is back', async () => {
    {
      const store = fakeStore();
      store.state.failing = true;
      const errors: unknown[] = [];
      const routes = new ResponseRoutes(store, { retryFlushMs: 10, onError: (e) => errors.push(e) });
      await routes.remember(route(1)); // never rejects
      await routes.remember(route(2));
      expect(errors).toHaveLength(1);
      expect(await routes.lookup('resp_1')).toEqual(route(1));
      expect(store.state.reads).toBe(0);
      store.state.failing = false;
      await vi.waitFor(() => expect(store.rows.size).toBe(2), { timeout: 2_000, interval: 5 });
      expect(store.batches).toEqual([2]);
    }
  });

  it('counts usage once: a create marks its record with the next batch of marks; polls claim', async () => {
    const store = fakeStore();
    const routes = new ResponseRoutes(store, { onError: () => undefined });
    await routes.remember(route(1));
    expect(routes.markUsage('resp_1')).toBe(true);
    await routes.flush();
    expect(store.marks).toEqual([['resp_1']]);
    expect(store.rows.get('resp_1')!.usageCountedAt).not.toBeNull();
    expect(await routes.claimUsage('resp_1')).toBe(false);

    routes.remember(route(3)); // a background response: counted by the first poll that sees usage
    expect(await routes.claimUsage('resp_3')).toBe(true);
    expect(await routes.claimUsage('resp_3')).toBe(false);
  });

  it('writes the marks of a burst in one statement', async () => {
    const store = fakeStore();
    const routes = new ResponseRoutes(store, { flushDelayMs: 5, onError: () => undefined });
    await Promise.all(Array.from({ length: 100 }, (_, i) => routes.remember(route(i))));
    for (let i = 0; i < 100; i++) routes.markUsage(`resp_${i}`);
    await vi.waitFor(() => expect(store.marks.length).toBe(1), { timeout: 2_000, interval: 2 });
    expect(store.marks[0]).toHaveLength(100);
  });

  it('splits records kept through an outage into bounded inserts', async () => {
    const store = fakeStore();
    store.state.failing = true;
    const routes = new ResponseRoutes(store, { retryFlushMs: 60_000, onError: () => undefined });
    await Promise.all(Array.from({ length: 450 }, (_, i) => routes.remember(route(i))));
    expect(store.rows.size).toBe(0);
    store.state.failing = false;
    await routes.flush();
    expect(store.batches).toEqual([200, 200, 50]);
    expect(store.rows.size).toBe(450);
  });
});

describe('usage marks and their record', () => {
  it("never writes a usage mark before its record's commit has landed, even when that commit is slow", async () => {
    const events: string[] = [];
    let release!: () => void;
    const store = {
      insertResponseRoutes: async () => {
        events.push('insert-start');
        await new Promise<void>((r) => (release = r));
        events.push('insert-committed');
      },
      markResponseUsage: async (ids: readonly string[]) => void events.push(`mark ${ids.join()}`),
      getResponseRoute: async () => undefined,
      claimResponseUsage: async () => true,
    };
    const routes = new ResponseRoutes(store, { onError: () => undefined });
    const remembered = routes.remember(route(1));
    await new Promise((r) => setImmediate(r));
    // The client left while the chunk with the id was held: the recorder marks the usage now.
    expect(routes.markUsage('resp_1')).toBe(true);
    await new Promise((r) => setTimeout(r, 60));
    release();
    await remembered;
    await routes.flush();
    expect(events).toEqual(['insert-start', 'insert-committed', 'mark resp_1']);
  });
});
