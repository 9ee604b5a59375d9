// The request-log writer against the real SQLite store: big batches go out in bounded chunks
// with the event loop running in between (better-sqlite3 is synchronous), and a chunk that
// fails is retried without storing the chunks before it twice.
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { RequestLogEntry, Store } from '../../src/store/types.js';
import { RequestLogWriter } from '../../src/usage/request-log.js';
import { tempHome } from '../support/gateway.js';

const T0 = Date.now();
const entry = (n: number): RequestLogEntry => ({
  id: `req-${n}`,
  createdAt: T0 + n,
  tokenId: 't1',
  tokenName: 'app',
  method: 'POST',
  route: '/v1/responses',
  model: 'gpt-5',
  apiModelId: 'am1',
  apiModelName: 'openai',
  router: null,
  upstreamModel: null,
  attempts: null,
  status: 200,
  durationMs: 12.5,
  ttfbMs: 10,
  responseId: `resp_${n}`,
  stream: false,
  outcome: 'completed',
  inputTokens: 10,
  outputTokens: 20,
  reasoningTokens: null,
  cachedTokens: null,
  usageCounted: true,
});

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function sqliteStore(): Promise<Store> {
  const home = tempHome('bodhi-request-log-');
  const store = await openStore({ home, databaseUrl: undefined });
  cleanup = async () => {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  };
  return store;
}

const storedIds = async (store: Store) => (await store.listRequestLogs({ limit: 10_000 })).map((e) => e.id);

describe('RequestLogWriter', () => {
  it('writes a large batch in chunks of 200 rows, letting the event loop run between them', async () => {
    const store = await sqliteStore();
    const chunks: number[] = [];
    const counting: Store = Object.assign(Object.create(store) as Store, {
      insertRequestLogs: (rows: readonly RequestLogEntry[]) => (chunks.push(rows.length), store.insertRequestLogs(rows)),
    });
    const writer = new RequestLogWriter(counting, { retentionDays: 30, onError: (err) => expect.fail(String(err)) });
    for (let i = 0; i < 1000; i++) writer.push(entry(i));
    const turnsSeen: number[] = [];
    const tick = () => {
      turnsSeen.push(chunks.length);
      if (chunks.length < 5) setImmediate(tick);
    };
    setImmediate(tick);
    await writer.stop();
    expect(chunks).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(turnsSeen.filter((n) => n > 0 && n < 5)).size).toBe(4);
    expect((await storedIds(store)).length).toBe(1000);
  });

  it('keeps only the chunks not yet written after a failure, so a retry stores every row once', async () => {
    const store = await sqliteStore();
    let calls = 0;
    const flaky: Store = Object.assign(Object.create(store) as Store, {
      insertRequestLogs: async (rows: readonly RequestLogEntry[]) => {
        if (++calls === 3) throw new Error('database is locked');
        return store.insertRequestLogs(rows);
      },
    });
    const errors: unknown[] = [];
    const writer = new RequestLogWriter(flaky, { retentionDays: 30, onError: (err) => errors.push(err) });
    for (let i = 0; i < 1000; i++) writer.push(entry(i));
    await writer.flush();
    expect(errors).toHaveLength(1);
    expect((await storedIds(store)).length).toBe(400);
    await writer.stop();
    const ids = await storedIds(store);
    expect(ids.length).toBe(1000);
    expect(new Set(ids).size).toBe(1000);
    expect(writer.dropped).toBe(0);
  });

  it('holds at most maxQueued rows while the store fails, counting every other row as dropped', async () => {
    const store = await sqliteStore();
    let fail = true;
    const failing: Store = Object.assign(Object.create(store) as Store, {
      insertRequestLogs: async (rows: readonly RequestLogEntry[]) => {
        if (fail) throw new Error('database is locked');
        return store.insertRequestLogs(rows);
      },
    });
    const MAX = 100;
    const writer = new RequestLogWriter(failing, { retentionDays: 30, maxQueued: MAX, flushEveryMs: 3_600_000, onError: () => undefined });
    // Rows arrive before each write and while it is in flight (the failed batch then finds the
    // queue full again): 6x the bound.
    let pushed = 0;
    const push = (n: number) => {
      for (let i = 0; i < n; i++) writer.push(entry(pushed++));
    };
    for (let round = 0; round < 3; round++) {
      push(MAX);
      const writing = writer.flush();
      push(MAX);
      await writing;
    }
    // And 3x the bound with no write attempt at all.
    push(3 * MAX);
    expect(pushed).toBe(9 * MAX);
    fail = false;
    await writer.stop();
    const ids = await storedIds(store);
    expect(ids.length).toBe(MAX);
    expect(writer.dropped).toBe(8 * MAX);
  });
});
