// The write-behind batcher every background writer uses: what a write receives, when flushes
// happen, what is kept, dropped or retried when the store fails. A fake `write` records calls.
import { setImmediate as nextTurn, setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it, vi } from 'vitest';
import { WriteBehind, type WriteBehindOptions } from '../../src/lib/write-behind.js';

function sink<T>() {
  const calls: T[][] = [];
  const state = { fail: false, hang: false };
  const releases: (() => void)[] = [];
  const write = async (batch: T[]) => {
    if (state.hang) await new Promise<void>((resolve) => releases.push(resolve));
    if (state.fail) throw new Error('database unavailable');
    calls.push([...batch]);
  };
  return { calls, state, write, release: () => releases.splice(0).forEach((r) => r()) };
}

const HOUR = 3_600_000;
const manual = { every: HOUR } as const;

function batcher<T, K = never>(over: Partial<WriteBehindOptions<T, K>> & Pick<WriteBehindOptions<T, K>, 'write'>) {
  const errors: { err: unknown; unwritten: readonly T[] }[] = [];
  const b = new WriteBehind<T, K>({ flush: manual, onError: (err, unwritten) => errors.push({ err, unwritten }), ...over });
  return { b, errors };
}

describe('WriteBehind', () => {
  it('writes what accumulated in one call, in order; flush settles once it is written', async () => {
    const s = sink<number>();
    const { b } = batcher<number>({ write: s.write });
    [1, 2, 3].forEach((n) => b.add(n));
    expect(b.size).toBe(3);
    expect(s.calls).toEqual([]);
    await b.flush();
    expect(s.calls).toEqual([[1, 2, 3]]);
    expect(b.size).toBe(0);
    await b.flush(); // nothing waiting: no write
    expect(s.calls).toHaveLength(1);
    await b.stop();
  });

  it('serialises writes: a flush with nothing new waits for the write in flight, and the next write starts after it', async () => {
    const s = sink<number>();
    const { b } = batcher<number>({ write: s.write });
    s.state.hang = true;
    b.add(1);
    let first = false;
    void b.flush().then(() => (first = true));
    await nextTurn();
    b.add(2);
    let second = false;
    const flushed = b.flush().then(() => (second = true));
    const idle = b.flush();
    await sleep(10);
    expect([first, second]).toEqual([false, false]);
    s.state.hang = false;
    s.release();
    await idle;
    await flushed;
    expect(s.calls).toEqual([[1], [2]]);
    expect(first).toBe(true);
  });

  it('coalesces by key: the latest item per key is written, and get() sees the waiting one', async () => {
    const s = sink<{ id: string; at: number }>();
    const { b } = batcher<{ id: string; at: number }, string>({ write: s.write, key: (u) => u.id });
    b.add({ id: 'a', at: 1 });
    b.add({ id: 'b', at: 2 });
    b.add({ id: 'a', at: 3 });
    expect(b.size).toBe(2);
    expect(b.get('a')).toEqual({ id: 'a', at: 3 });
    const writing = b.flush();
    expect(b.get('a')).toBeUndefined(); // taken by the write
    await writing;
    expect(s.calls).toEqual([
      [
        { id: 'b', at: 2 },
        { id: 'a', at: 3 },
      ],
    ]);
  });

  it('flushes on its interval, and stop() writes what is waiting and ends the interval', async () => {
    const s = sink<number>();
    const { b } = batcher<number>({ write: s.write, flush: { every: 10 } });
    b.add(1);
    await vi.waitFor(() => expect(s.calls).toEqual([[1]]), { timeout: 2_000, interval: 5 });
    b.add(2);
    await b.stop();
    expect(s.calls).toEqual([[1], [2]]);
    b.add(3);
    await sleep(40);
    expect(s.calls).toHaveLength(2);
  });

  it('flushes `after` ms after an item arrives, and no sooner than `minInterval` after the previous flush', async () => {
    const calls: number[][] = [];
    const at: number[] = [];
    const write = async (batch: number[]) => void (calls.push(batch), at.push(performance.now()));
    const { b } = batcher<number>({ write, flush: { after: 5, minInterval: 80 } });
    b.add(1);
    b.add(2);
    await vi.waitFor(() => expect(calls).toEqual([[1, 2]]), { timeout: 2_000, interval: 2 });
    b.add(3);
    await vi.waitFor(() => expect(calls).toHaveLength(2), { timeout: 2_000, interval: 2 });
    expect(calls[1]).toEqual([3]);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(75);
  });

  it('commits the items of one event-loop turn together; nextWrite settles once they are written', async () => {
    const s = sink<number>();
    const { b } = batcher<number>({ write: s.write, flush: 'next-turn' });
    b.add(1);
    const p1 = b.nextWrite();
    b.add(2);
    const p2 = b.nextWrite();
    expect(p1).toBe(p2);
    expect(s.calls).toEqual([]);
    await p1;
    expect(s.calls).toEqual([[1, 2]]);
    b.add(3);
    await b.nextWrite();
    expect(s.calls).toEqual([[1, 2], [3]]);
  });

  it('lets concurrent writes overlap: a later batch does not wait for one that hangs, but flush() waits for both', async () => {
    const s = sink<number>();
    const { b } = batcher<number>({ write: s.write, flush: 'next-turn', concurrent: true });
    s.state.hang = true;
    b.add(1);
    const first = b.nextWrite();
    await nextTurn();
    s.state.hang = false;
    b.add(2);
    await b.nextWrite();
    expect(s.calls).toEqual([[2]]);
    let all = false;
    const flushed = b.flush().then(() => (all = true));
    await sleep(10);
    expect(all).toBe(false);
    s.release();
    await first;
    await flushed;
    expect(s.calls).toEqual([[2], [1]]);
  });

  it('holds at most maxItems, dropping new items by default and counting them', async () => {
    const s = sink<number>();
    const { b } = batcher<number>({ write: s.write, maxItems: 3 });
    for (let i = 0; i < 10; i++) b.add(i);
    expect(b.dropped).toBe(7);
    await b.flush();
    expect(s.calls).toEqual([[0, 1, 2]]);
  });

  it("with keep: 'newest', drops the oldest instead and reports each", async () => {
    const s = sink<number>();
    const dropped: number[] = [];
    const { b } = batcher<number>({ write: s.write, maxItems: 3, keep: 'newest', onDrop: (n) => dropped.push(n) });
    for (let i = 0; i < 5; i++) b.add(i);
    expect(dropped).toEqual([0, 1]);
    expect(b.dropped).toBe(2);
    await b.flush();
    expect(s.calls).toEqual([[2, 3, 4]]);
  });

  it('writes in chunks with the event loop running in between; a failure keeps only the chunks not written', async () => {
    const calls: number[][] = [];
    let n = 0;
    const turns: number[] = [];
    const { b, errors } = batcher<number>({
      chunkSize: 2,
      retry: true,
      write: async (batch) => {
        if (++n === 3) throw new Error('locked');
        calls.push(batch);
      },
    });
    for (let i = 0; i < 7; i++) b.add(i);
    const tick = () => {
      turns.push(calls.length);
      if (calls.length < 2) setImmediate(tick);
    };
    setImmediate(tick);
    await b.flush();
    expect(calls).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(new Set(turns).size).toBeGreaterThan(1); // other work ran between the chunks
    expect(errors).toHaveLength(1);
    expect(errors[0]!.unwritten).toEqual([4, 5, 6]);
    expect(b.size).toBe(3);
    await b.flush();
    expect(calls.slice(2)).toEqual([[4, 5], [6]]);
  });

  it('without retry, a failed batch is handed to onError and not written again', async () => {
    const s = sink<number>();
    const { b, errors } = batcher<number>({ write: s.write });
    s.state.fail = true;
    b.add(1);
    await b.flush();
    expect(errors.map((e) => e.unwritten)).toEqual([[1]]);
    s.state.fail = false;
    await b.flush();
    expect(s.calls).toEqual([]);
  });

  it('puts failed items back ahead of newer ones; within the bound the newer ones win and failed ones fill the room', async () => {
    const s = sink<number>();
    const { b } = batcher<number>({ write: s.write, retry: true, maxItems: 4 });
    s.state.fail = true;
    [1, 2, 3].forEach((n) => b.add(n));
    s.state.hang = true;
    const writing = b.flush();
    await nextTurn();
    [10, 11].forEach((n) => b.add(n)); // arrive while the write is in flight
    s.release();
    await writing;
    expect(b.dropped).toBe(1);
    s.state.fail = false;
    s.state.hang = false;
    await b.flush();
    expect(s.calls).toEqual([[1, 2, 10, 11]]); // keep 'oldest': the failed batch's head

    const newest = batcher<number>({ write: s.write, retry: true, maxItems: 4, keep: 'newest' }).b;
    s.state.fail = true;
    [1, 2, 3].forEach((n) => newest.add(n));
    s.state.hang = true;
    const again = newest.flush();
    await nextTurn();
    [10, 11].forEach((n) => newest.add(n));
    s.release();
    await again;
    s.state.fail = false;
    s.state.hang = false;
    await newest.flush();
    expect(s.calls[1]).toEqual([2, 3, 10, 11]); // keep 'newest': the failed batch's tail
  });

  it('a keyed item added while its failed predecessor was in flight supersedes it', async () => {
    const s = sink<{ id: string; v: number }>();
    const { b } = batcher<{ id: string; v: number }, string>({ write: s.write, key: (x) => x.id, retry: true });
    s.state.fail = true;
    b.add({ id: 'a', v: 1 });
    b.add({ id: 'b', v: 1 });
    s.state.hang = true;
    const writing = b.flush();
    await nextTurn();
    b.add({ id: 'a', v: 2 });
    s.release();
    await writing;
    expect(b.get('a')).toEqual({ id: 'a', v: 2 });
    s.state.fail = false;
    s.state.hang = false;
    await b.flush();
    expect(s.calls).toEqual([
      [
        { id: 'b', v: 1 },
        { id: 'a', v: 2 },
      ],
    ]);
  });

  it('schedules a retry retryAfterMs after a failure', async () => {
    const s = sink<number>();
    const { b, errors } = batcher<number>({ write: s.write, flush: { after: 1 }, retry: true, retryAfterMs: 20 });
    s.state.fail = true;
    b.add(1);
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: 2_000, interval: 2 });
    s.state.fail = false;
    await vi.waitFor(() => expect(s.calls).toEqual([[1]]), { timeout: 2_000, interval: 5 });
  });
});
