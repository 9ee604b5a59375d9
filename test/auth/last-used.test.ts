// Token last use is noted in memory and written in batches: the latest time per token, one
// store call per flush, pending times visible to listings until written.
import { describe, expect, it } from 'vitest';
import { LastUsedRecorder } from '../../src/auth/last-used.js';

function fakeStore() {
  const writes: Map<string, number>[] = [];
  const state = { fail: false };
  return {
    writes,
    state,
    async recordTokenUse(uses: ReadonlyMap<string, number>) {
      if (state.fail) throw new Error('database unavailable');
      writes.push(new Map(uses));
    },
  };
}

describe('LastUsedRecorder', () => {
  it('writes the latest use per token in one call, showing pending uses until then', async () => {
    const store = fakeStore();
    const recorder = new LastUsedRecorder(store, (err) => expect.fail(String(err)), 3_600_000);
    recorder.touch('a', 1);
    recorder.touch('b', 2);
    recorder.touch('a', 3);
    expect(recorder.pendingFor('a')).toBe(3);
    await recorder.flush();
    expect(store.writes).toEqual([
      new Map([
        ['a', 3],
        ['b', 2],
      ]),
    ]);
    expect(recorder.pendingFor('a')).toBeUndefined();
    await recorder.flush(); // nothing pending: no write
    expect(store.writes).toHaveLength(1);
    recorder.touch('c', 4);
    await recorder.stop();
    expect(store.writes[1]).toEqual(new Map([['c', 4]]));
  });

  it('reports a failed write and does not write those uses again (the next use supersedes them)', async () => {
    const store = fakeStore();
    const errors: unknown[] = [];
    const recorder = new LastUsedRecorder(store, (err) => errors.push(err), 3_600_000);
    store.state.fail = true;
    recorder.touch('a', 1);
    await recorder.flush();
    expect(errors).toHaveLength(1);
    store.state.fail = false;
    await recorder.stop();
    expect(store.writes).toEqual([]);
  });

  it('flushes on its timer', async () => {
    const store = fakeStore();
    const recorder = new LastUsedRecorder(store, (err) => expect.fail(String(err)), 10);
    recorder.touch('a', 1);
    await expect.poll(() => store.writes.length, { timeout: 2_000, interval: 5 }).toBe(1);
    await recorder.stop();
  });
});
