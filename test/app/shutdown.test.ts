// Graceful shutdown of a real `bodhi serve` process on SIGTERM: it stops accepting at once, lets
// in-flight requests and streams finish up to BODHI_SHUTDOWN_TIMEOUT_MS, cuts the rest at that
// deadline and exits 0, leaving a clean database; a restart on the same data dir finds every
// API model, token, last use and routing record.
import { existsSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildGateway, type ChildGateway } from '../support/child-gateway.js';
import { bodhi } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { tempHome } from '../support/gateway.js';
import { waitFor } from '../support/wait.js';

const DEADLINE_MS = 2_000;

interface StreamCall {
  /** Resolves when the first body bytes arrived. */
  started: Promise<void>;
  /** Resolves when the response ended or was cut. */
  done: Promise<{ text: string; complete: boolean; at: number }>;
}

/** A POST whose answer is read as it arrives, on its own connection. */
function streamCall(base: string, token: string, path: string, body: unknown): StreamCall {
  const url = new URL(base);
  let onStarted!: () => void;
  const started = new Promise<void>((r) => (onStarted = r));
  const done = new Promise<{ text: string; complete: boolean; at: number }>((resolve) => {
    let text = '';
    const finish = (complete: boolean) => resolve({ text, complete, at: performance.now() });
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: 'POST', path, agent: false, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } },
      (res) => {
        res.on('data', (c: Buffer) => {
          text += c.toString();
          onStarted();
        });
        res.on('end', () => finish(true));
        res.on('error', () => finish(false));
        res.on('aborted', () => finish(false));
      },
    );
    req.on('error', () => finish(false));
    req.end(JSON.stringify(body));
  });
  return { started, done };
}

/** Whether a TCP connection to the port is accepted. */
function accepts(base: string): Promise<boolean> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const s = connect(Number(url.port), url.hostname);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('graceful shutdown (SIGTERM on bodhi serve)', () => {
  let home: string;
  let short: FakeUpstream;
  let long: FakeUpstream;
  let gw: ChildGateway;
  let admin: string;
  let late: string;
  const env = { BODHI_SHUTDOWN_TIMEOUT_MS: String(DEADLINE_MS) };
  const recorded: string[] = [];
  let streamIds: { short: string; long: string };
  let result: {
    sigtermAt: number;
    refusedNewConnection: boolean;
    idleClosedAt: number;
    shortStream: { text: string; complete: boolean; at: number };
    longStream: { text: string; complete: boolean; at: number };
    slowJson: { text: string; complete: boolean; at: number };
    /** Raw bytes of a kept-alive connection: a stream in flight, then a second request sent after SIGTERM. */
    keptAlive: string;
    exitCode: number | string;
    exitedAt: number;
  };

  const api = (path: string, init: RequestInit & { token?: string } = {}) =>
    fetch(gw.url + path, { ...init, headers: { authorization: `Bearer ${init.token ?? admin}`, 'content-type': 'application/json', ...init.headers } });

  beforeAll(async () => {
    home = tempHome();
    short = await startFakeUpstream({ eventDelayMs: 20, textDeltas: 25 }); // ~0.7 s streams
    long = await startFakeUpstream({ eventDelayMs: 50, textDeltas: 200 }); // ~10 s streams
    admin = (await bodhi(['tokens', 'create', '--name', 'admin', '--scope', 'admin', '--home', home])).stdout.trim();
    late = (await bodhi(['tokens', 'create', '--name', 'late', '--home', home])).stdout.trim();
    gw = await startChildGateway({ home, env });
    for (const model of [
      { name: 'short', api_format: 'openai_responses', base_url: short.url, api_key: short.apiKey, models: ['gpt-5'] },
      { name: 'long', api_format: 'openai_responses', base_url: long.url, api_key: long.apiKey, models: ['gpt-4.1'] },
      { name: 'chat', api_format: 'openai', base_url: short.url, api_key: short.apiKey, models: ['gpt-4o'] },
    ]) {
      expect((await api('/bodhi/v1/api-models', { method: 'POST', body: JSON.stringify(model) })).status).toBe(201);
    }
    // Routing records of finished responses.
    for (const model of ['gpt-5', 'gpt-4.1', 'gpt-5']) {
      const res = await api('/v1/responses', { method: 'POST', body: JSON.stringify({ model, input: 'remember me', background: true }) });
      recorded.push(((await res.json()) as { id: string }).id);
    }

    // In flight at SIGTERM: a short stream, a long stream, a slow JSON call, an idle connection.
    const shortStream = streamCall(gw.url, admin, '/v1/responses', { model: 'gpt-5', input: 'short', stream: true });
    const longStream = streamCall(gw.url, admin, '/v1/responses', { model: 'gpt-4.1', input: 'long', stream: true });
    short.setFault({ path: '/v1/chat/completions', slowHeadersMs: 800, times: 1 });
    const slowJson = streamCall(gw.url, admin, '/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'slow' }] });
    // A kept-alive connection with a stream in flight; a second request follows after SIGTERM.
    const kept = connect(Number(new URL(gw.url).port), '127.0.0.1');
    let keptAlive = '';
    kept.on('data', (c: Buffer) => (keptAlive += c.toString()));
    kept.on('error', () => undefined);
    const keptClosed = new Promise((r) => kept.once('close', r));
    const keptBody = JSON.stringify({ model: 'gpt-5', input: 'kept', stream: true });
    kept.write(`POST /v1/responses HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${admin}\r\ncontent-type: application/json\r\ncontent-length: ${keptBody.length}\r\n\r\n${keptBody}`);
    await Promise.all([shortStream.started, longStream.started]);
    await waitFor(() => keptAlive.includes('response.created'), 2_000, 'kept-alive stream started');
    await waitFor(() => short.requests.some((r) => r.url === '/v1/chat/completions'), 2_000, 'slow call reached the upstream');
    const idle = connect(Number(new URL(gw.url).port), '127.0.0.1');
    let idleClosedAt = 0;
    idle.on('close', () => (idleClosedAt = performance.now()));
    idle.on('error', () => undefined);
    await new Promise((r) => idle.once('connect', r));
    // A use of `late` whose last_used_at is still only in memory (flushed every 2 s).
    expect((await api('/v1/models', { token: late })).status).toBe(200);

    const sigtermAt = performance.now();
    gw.child.kill('SIGTERM');
    // The real condition (the listener closed), not a fixed pause: the request on the kept-alive
    // connection below must arrive after the server began shutting down.
    const refusedNewConnection = await waitFor(async () => !(await accepts(gw.url)), 1_000, 'new connections refused').then(
      () => true,
      () => false,
    );
    kept.write(`GET /v1/models HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${admin}\r\n\r\n`);
    const [s, l, j] = await Promise.all([shortStream.done, longStream.done, slowJson.done, keptClosed]);
    const exitCode = await gw.exited;
    const exitedAt = performance.now();
    result = { sigtermAt, refusedNewConnection, idleClosedAt, shortStream: s, longStream: l, slowJson: j, keptAlive, exitCode, exitedAt };
    const idOf = (text: string) => /"id":"(resp_[a-f0-9]+)"/.exec(text)![1]!;
    streamIds = { short: idOf(s.text), long: idOf(l.text) };
  });
  afterAll(async () => {
    await gw?.kill();
    await Promise.all([short?.close(), long?.close()]);
    rmSync(home, { recursive: true, force: true });
  });

  it('stops accepting new connections at once and closes idle ones', () => {
    expect(result.refusedNewConnection).toBe(true);
    // Closed when shutdown began, not left for the deadline (DEADLINE_MS) to cut.
    expect(result.idleClosedAt).toBeGreaterThan(result.sigtermAt);
    expect(result.idleClosedAt - result.sigtermAt).toBeLessThan(DEADLINE_MS / 2);
  });

  it('lets a stream shorter than the deadline finish completely', () => {
    expect(result.shortStream.complete).toBe(true);
    expect(result.shortStream.text).toContain('event: response.completed');
    expect(result.shortStream.at - result.sigtermAt).toBeLessThan(DEADLINE_MS);
  });

  it('lets an in-flight JSON request waiting for a slow upstream finish', () => {
    expect(result.slowJson.complete).toBe(true);
    expect(JSON.parse(result.slowJson.text).object).toBe('chat.completion');
  });

  it('serves a request that arrives on a busy kept-alive connection during shutdown, then closes that connection', () => {
    const heads = result.keptAlive.split('\r\n\r\n').filter((part) => part.startsWith('HTTP/1.1'));
    expect(heads.map((h) => h.split('\r\n')[0])).toEqual(['HTTP/1.1 200 OK', 'HTTP/1.1 200 OK']);
    expect(result.keptAlive).toContain('event: response.completed');
    expect(heads[1]!.toLowerCase()).toContain('connection: close');
    expect(result.keptAlive).toContain('"object":"list"');
  });

  it('cuts a stream longer than the deadline at the deadline, aborts its upstream request, and exits 0', async () => {
    expect(result.longStream.complete).toBe(false);
    expect(result.longStream.text).toContain('event: response.created');
    expect(result.longStream.text).not.toContain('response.completed');
    const cutAfter = result.longStream.at - result.sigtermAt;
    console.log(`shutdown: long stream cut ${cutAfter.toFixed(0)} ms after SIGTERM (deadline ${DEADLINE_MS} ms); exit after ${(result.exitedAt - result.sigtermAt).toFixed(0)} ms`);
    expect(cutAfter).toBeGreaterThanOrEqual(DEADLINE_MS - 50);
    expect(cutAfter).toBeLessThan(DEADLINE_MS + 1_000);
    expect(result.exitCode).toBe(0);
    expect(result.exitedAt - result.sigtermAt).toBeLessThan(DEADLINE_MS + 2_000);
    expect(long.aborts.some((a) => a.url === '/v1/responses')).toBe(true);
    expect(gw.stdout()).toContain('shutdown deadline reached');
  });

  it('leaves a clean database: WAL checkpointed, integrity check ok', () => {
    const wal = join(home, 'bodhi.sqlite-wal');
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);
    const db = new Database(join(home, 'bodhi.sqlite'), { readonly: true });
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('a restart on the same data dir finds the API models, tokens, last uses and routing records', async () => {
    gw = await startChildGateway({ home, env });
    const models = (await (await api('/bodhi/v1/api-models')).json()) as { data: { name: string; has_api_key: boolean }[] };
    expect(models.data.map((m) => m.name).sort()).toEqual(['chat', 'long', 'short']);
    expect(models.data.every((m) => m.has_api_key)).toBe(true);
    const tokens = (await (await api('/bodhi/v1/tokens')).json()) as { data: { name: string; last_used_at: string | null }[] };
    expect(tokens.data.map((t) => t.name).sort()).toEqual(['admin', 'late']);
    expect(tokens.data.find((t) => t.name === 'late')!.last_used_at).not.toBeNull(); // flushed on shutdown
    // Two Responses API models: without their records these ids could not be routed.
    for (const id of [...recorded, streamIds.short, streamIds.long]) {
      const res = await api(`/v1/responses/${id}`);
      expect(res.status, id).not.toBe(400);
      const upstream = id === streamIds.long || recorded.indexOf(id) === 1 ? long : short;
      expect(upstream.requests.at(-1)!.url, id).toBe(`/v1/responses/${id}`);
    }
    expect((await api('/v1/models', { token: late })).status).toBe(200);
  });

  it('with nothing long in flight, exits as soon as the last stream ends (well before the deadline)', async () => {
    const stream = streamCall(gw.url, admin, '/v1/responses', { model: 'gpt-5', input: 'short', stream: true });
    await stream.started;
    const sigtermAt = performance.now();
    gw.child.kill('SIGTERM');
    const done = await stream.done;
    expect(await gw.exited).toBe(0);
    const exitedAfter = performance.now() - sigtermAt;
    expect(done.complete).toBe(true);
    expect(done.text).toContain('event: response.completed');
    expect(exitedAfter).toBeLessThan(DEADLINE_MS);
  });
});
