// WAL checkpoints in a worker thread: the server's own connection no longer checkpoints at
// SQLite's 1,000 pages (that happens on the event loop), the worker does it instead, falls back
// to in-line checkpoints when it cannot run, and lets go of the file before the server does.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackgroundCheckpoints, type CheckpointResult } from '../../src/store/sqlite-checkpoints.js';
import { openSqliteStore, SQLITE_FILE } from '../../src/store/sqlite.js';
import type { RequestLogEntry } from '../../src/store/types.js';

const PAGE = 4096;
const ROWS = 1_500; // one page-sized row per transaction: 1,500 WAL frames, past SQLite's 1,000

describe('background WAL checkpoints', () => {
  let dir: string;
  let file: string;
  let sqlite: BetterSqlite3.Database;
  let checkpoints: BackgroundCheckpoints | undefined;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bodhi-ckpt-'));
    file = join(dir, 'x.sqlite');
    sqlite = new BetterSqlite3(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.exec('CREATE TABLE t (x BLOB)');
  });
  afterEach(async () => {
    await checkpoints?.close(); // also when a test failed half-way
    checkpoints = undefined;
    if (sqlite.open) sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const writeRows = () => {
    const insert = sqlite.prepare('INSERT INTO t VALUES (?)');
    const row = Buffer.alloc(PAGE - 200, 7);
    for (let i = 0; i < ROWS; i++) insert.run(row); // each its own transaction, as the server's chunks are
  };
  const walPages = () => statSync(file + '-wal').size / PAGE;
  const until = async (done: () => boolean, what: string) => {
    for (let i = 0; i < 200 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(done(), what).toBe(true);
  };

  it('SQLite on its own checkpoints in line at 1,000 pages (the control)', () => {
    writeRows();
    expect(walPages()).toBeLessThan(1_100);
  });

  it('leaves checkpoints to the worker: the server connection lets the WAL grow past 1,000 pages', async () => {
    checkpoints = new BackgroundCheckpoints(sqlite, file, { everyMs: 60_000 });
    writeRows();
    expect(walPages()).toBeGreaterThanOrEqual(ROWS);
    await checkpoints.close();
  });

  it('the worker copies every frame into the database file, and the WAL starts over after it', async () => {
    const seen: CheckpointResult[] = [];
    checkpoints = new BackgroundCheckpoints(sqlite, file, { everyMs: 20, onCheckpoint: (r) => seen.push(r) });
    const dbPagesBefore = statSync(file).size / PAGE;
    writeRows();
    // Only a checkpoint grows the database file in WAL mode, and this connection's own would
    // start at 10,000 pages: every row there means the worker copied it.
    await until(() => {
      const last = seen.at(-1);
      return !!last && last.checkpointed === last.log && statSync(file).size / PAGE - dbPagesBefore >= ROWS;
    }, 'every row copied into the database file');
    expect(sqlite.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: ROWS });
    // All of it checkpointed, so the next write starts the WAL over from its first frame.
    sqlite.prepare('INSERT INTO t VALUES (?)').run(Buffer.from('after'));
    expect((sqlite.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log).toBeLessThan(10);
    await checkpoints.close();
  });

  it('keeps the WAL short under a writer that writes in bursts, as the server does', async () => {
    // 4,800 transactions of ~2 frames each: without the worker's restarts the WAL would hold
    // ~9,700 frames (the backstop is 10,000; checkpoints once a second measured 9,728 here).
    const seen: CheckpointResult[] = [];
    checkpoints = new BackgroundCheckpoints(sqlite, file, { onCheckpoint: (r) => seen.push(r) }); // the server's interval
    const insert = sqlite.prepare('INSERT INTO t VALUES (?)');
    const row = Buffer.alloc(PAGE - 200, 7);
    // NOOP only reports (SQLite >= 3.51); an older SQLite would run a PASSIVE checkpoint here.
    const [major, minor] = (sqlite.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v.split('.').map(Number);
    expect(major! * 100 + minor!).toBeGreaterThanOrEqual(351);
    let largest = 0;
    for (let burst = 0; burst < 12; burst++) {
      for (let i = 0; i < 400; i++) insert.run(row);
      largest = Math.max(largest, (sqlite.pragma('wal_checkpoint(NOOP)') as { log: number }[])[0]!.log);
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(sqlite.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 4_800 });
    expect(seen.length).toBeGreaterThan(0);
    expect(largest).toBeLessThan(5_000);
    await checkpoints.close();
  });

  it('falls back to in-line checkpoints when the worker cannot run', async () => {
    const errors: Error[] = [];
    checkpoints = new BackgroundCheckpoints(sqlite, file, { driver: join(dir, 'no-such-driver.js'), onError: (e) => errors.push(e) });
    await until(() => errors.length === 1, 'the worker failed');
    expect(checkpoints.inLine).toBe(true);
    writeRows();
    expect(walPages()).toBeLessThan(1_100);
    await checkpoints.close(); // nothing to stop
  });

  it('also falls back when the worker exits without an error', async () => {
    const errors: Error[] = [];
    const driver = join(dir, 'exits.cjs');
    writeFileSync(driver, 'module.exports = function () { process.exit(3); };');
    checkpoints = new BackgroundCheckpoints(sqlite, file, { driver, onError: (e) => errors.push(e) });
    await until(() => errors.length === 1, 'the exit was noticed');
    expect(errors[0]!.message).toContain('code 3');
    expect(checkpoints.inLine).toBe(true);
    writeRows();
    expect(walPages()).toBeLessThan(1_100);
  });

  it('closes its connection first, so the server closing last removes the WAL', async () => {
    checkpoints = new BackgroundCheckpoints(sqlite, file, { everyMs: 20 });
    writeRows();
    await checkpoints.close();
    sqlite.close();
    expect(existsSync(file + '-wal')).toBe(false);
  });
});

describe('the SQLite store with background checkpoints', () => {
  it('checkpoints the request log in the worker and leaves no WAL behind on close', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bodhi-ckpt-store-'));
    const seen: CheckpointResult[] = [];
    const store = openSqliteStore(home, { backgroundCheckpoints: { everyMs: 20, onCheckpoint: (r) => seen.push(r) } });
    try {
      await store.migrate();
      const rows: RequestLogEntry[] = Array.from({ length: 2_000 }, (_, i) => ({
        id: `req-${i}`,
        createdAt: 1_700_000_000_000 + i,
        tokenId: null,
        tokenName: null,
        method: 'POST',
        route: '/v1/responses',
        model: 'm',
        apiModelId: null,
        apiModelName: null,
        router: null,
        upstreamModel: null,
        attempts: null,
        status: 200,
        durationMs: 1,
        ttfbMs: 1,
        responseId: `resp_${i}`,
        stream: false,
        outcome: 'completed',
        inputTokens: 1,
        outputTokens: 1,
        reasoningTokens: 0,
        cachedTokens: 0,
        usageCounted: true,
      }));
      for (let i = 0; i < rows.length; i += 200) await store.insertRequestLogs(rows.slice(i, i + 200));
      for (let i = 0; i < 200 && !seen.length; i++) await new Promise((r) => setTimeout(r, 25));
      expect(seen.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
    expect(existsSync(join(home, SQLITE_FILE))).toBe(true);
    expect(existsSync(join(home, SQLITE_FILE + '-wal'))).toBe(false);
    rmSync(home, { recursive: true, force: true });
  });
});
