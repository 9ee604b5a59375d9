// Memory under big and slow traffic, measured on a real `bodhi serve` process (so the test's
// own buffers don't count): a huge upstream body streams through without being buffered, and a
// client that reads slowly (or not at all) holds the upstream back instead of growing the
// gateway (backpressure end to end).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildGateway, type ChildGateway } from '../support/child-gateway.js';
import { bodhi } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startFirehose, type Firehose } from '../support/firehose.js';
import { tempHome } from '../support/gateway.js';
import { rawSocket } from '../support/raw-http.js';
import { sleep, waitFor } from '../support/wait.js';

const MiB = 1024 * 1024;
const mib = (n: number) => `${(n / MiB).toFixed(1)} MiB`;

describe('memory under huge and slow traffic (bodhi serve child process)', () => {
  let home: string;
  let gw: ChildGateway;
  let up: FakeUpstream;
  let hose: Firehose;
  let token: string;

  beforeAll(async () => {
    home = tempHome();
    up = await startFakeUpstream();
    hose = await startFirehose();
    const created = await bodhi(['tokens', 'create', '--name', 'admin', '--scope', 'admin', '--home', home]);
    expect(created.code, created.stderr).toBe(0);
    token = created.stdout.trim();
    gw = await startChildGateway({ home });
    for (const model of [
      { name: 'chat', api_format: 'openai', base_url: up.url, api_key: up.apiKey, models: ['gpt-4o'] },
      { name: 'responses', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] },
      { name: 'hose', api_format: 'openai', base_url: hose.url, models: ['firehose'] },
      { name: 'hose-responses', api_format: 'openai_responses', base_url: hose.url, models: ['firehose-responses'] },
    ]) {
      const res = await fetch(`${gw.url}/bodhi/v1/api-models`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(model) });
      expect(res.status).toBe(201);
    }
    // Warm up (JIT, pools, first allocations) before taking baselines.
    for (let i = 0; i < 20; i++) await post('/v1/chat/completions', { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }).then((r) => r.arrayBuffer());
  });
  afterAll(async () => {
    await gw?.kill();
    await Promise.all([up?.close(), hose?.close()]);
    rmSync(home, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${gw.url}${path}`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  /** Reads a response to the end without keeping it; returns its size. */
  async function drain(res: Response): Promise<number> {
    let n = 0;
    for await (const chunk of res.body!) n += chunk.length;
    return n;
  }

  /** Runs `work` while sampling the gateway's RSS; returns the highest sample. */
  async function maxRssDuring<T>(work: Promise<T>): Promise<{ result: T; maxRss: number }> {
    let maxRss = gw.memory().rss;
    let done = false;
    const sampler = (async () => {
      while (!done) {
        maxRss = Math.max(maxRss, gw.memory().rss);
        await sleep(10);
      }
    })();
    try {
      return { result: await work, maxRss };
    } finally {
      done = true;
      await sampler;
    }
  }

  it.each([
    ['Chat', '/v1/chat/completions', { model: 'firehose', messages: [] }, undefined],
    // Responses create: the response-id tap reads these bytes as they pass; real Response
    // objects start with their id, and one without any id is scanned up to 16 MiB.
    ['Responses (id first)', '/v1/responses', { model: 'firehose-responses', input: 'x' }, 'resp_firehose'],
    ['Responses (no id)', '/v1/responses', { model: 'firehose-responses', input: 'x' }, undefined],
  ] as const)('huge upstream bodies stream through %s without being buffered', async (_what, path, body, id) => {
    await gw.stats(true);
    const rssBefore = gw.memory().rss;
    const SIZE = 32 * MiB;
    const PARALLEL = 6;
    const headers: Record<string, string> = { 'x-firehose-bytes': String(SIZE), ...(id ? { 'x-firehose-id': id } : {}) };
    const { result: sizes, maxRss } = await maxRssDuring(Promise.all(Array.from({ length: PARALLEL }, () => post(path, body, headers).then(drain))));
    expect(sizes).toEqual(Array(PARALLEL).fill(SIZE));
    const growth = maxRss - rssBefore;
    console.log(`huge bodies via ${path} (${_what}): ${PARALLEL} x ${mib(SIZE)} at once; gateway RSS ${mib(rssBefore)}, at most ${mib(maxRss)} (+${mib(growth)})`);
    // Garbage from 64 KiB socket reads comes and goes (tens of MiB); buffering would hold the bodies.
    expect(growth).toBeLessThan(64 * MiB); // vs 192 MiB that went through (keeping them would show as +96 MiB and more)
  });

  it('a client that stops reading holds the upstream back; a slow reader never lets it run far ahead', async () => {
    await gw.stats(true);
    const rssBefore = gw.memory().rss;
    const writtenBefore = hose.written();
    const conn = rawSocket(gw.url);
    conn.socket.pause(); // read nothing for now
    const body = JSON.stringify({ model: 'firehose', messages: [], stream: true });
    conn.socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
    );
    // Not reading at all: the upstream stalls once the socket buffers on the way are full.
    await waitFor(() => hose.written() - writtenBefore > 0, 2_000, 'stream started');
    await sleep(600);
    const stalledAt = hose.written() - writtenBefore;
    await sleep(500);
    const stalledLater = hose.written() - writtenBefore;
    const rssStalled = gw.memory().rss;
    console.log(`paused client: upstream wrote ${mib(stalledAt)} then ${mib(stalledLater)}; gateway RSS ${mib(rssBefore)} -> ${mib(rssStalled)}`);
    expect(stalledLater).toBeLessThan(32 * MiB); // only kernel socket buffers and small stream buffers in between
    expect(stalledLater - stalledAt).toBeLessThan(1 * MiB); // and it stopped
    expect(rssStalled - rssBefore).toBeLessThan(24 * MiB);

    // Reading slowly (about 8 MiB/s): the upstream goes only as fast as the client.
    let read = 0;
    conn.socket.on('data', (c: Buffer) => {
      read += c.length;
      conn.socket.pause();
      setTimeout(() => conn.socket.resume(), 8);
    });
    conn.socket.resume();
    let maxLead = 0;
    let maxRss = 0;
    for (let i = 0; i < 10; i++) {
      await sleep(100);
      maxLead = Math.max(maxLead, hose.written() - writtenBefore - read);
      maxRss = Math.max(maxRss, gw.memory().rss);
    }
    console.log(`slow client: read ${mib(read)}; upstream lead at most ${mib(maxLead)}; gateway RSS at most ${mib(maxRss)}`);
    expect(read).toBeGreaterThan(1 * MiB);
    expect(maxLead).toBeLessThan(32 * MiB);
    expect(maxRss - rssBefore).toBeLessThan(24 * MiB);

    // Leaving aborts the endless upstream stream.
    const abortedBefore = hose.aborted();
    conn.socket.destroy();
    await waitFor(() => hose.aborted() > abortedBefore, 2_000, 'upstream stream aborted');
  });
});
