// How the local engine schedules work: models load on first use and unload when idle, requests
// for one model queue (429 when the queue is full), and a client that disconnects stops its
// generation (or gives up its place in the queue).
import { renameSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalSlotStats } from '../../src/providers/local/engine.js';
import { startLocalGateway, type LocalTestGateway } from '../support/local.js';

const statsOf = (gw: LocalTestGateway, alias: string): LocalSlotStats | undefined =>
  gw.server.gateway.local.stats().find((s) => s.alias === alias);

async function waitFor(what: string, check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a long streamed generation and resolves once `chunks` content chunks have arrived. */
async function startLongStream(gw: LocalTestGateway, model: string, chunks = 3) {
  const controller = new AbortController();
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gw.userToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'go on forever' }], max_tokens: 100_000, stream: true }),
    signal: controller.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let seen = '';
  while (seen.split('"content":"').length < chunks + 2) {
    const { value, done } = await reader.read();
    if (done) throw new Error('stream ended early');
    seen += Buffer.from(value).toString('utf8');
  }
  return {
    stop: async () => {
      controller.abort();
      await reader.cancel().catch(() => undefined);
    },
  };
}

describe('local engine', () => {
  let gw: LocalTestGateway;

  beforeAll(async () => {
    gw = await startLocalGateway({ BODHI_LOCAL_IDLE_UNLOAD_MS: '400', BODHI_LOCAL_QUEUE_SIZE: '1' });
    await gw.addAlias({ name: 'tiny', model_file: gw.model('tiny.gguf'), context_size: 256 });
    await gw.addAlias({ name: 'tiny-idle', model_file: gw.model('tiny-idle.gguf', { seed: 3 }) });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('loads a model on first use, unloads it after the idle time, and reloads it on demand', async () => {
    expect(statsOf(gw, 'tiny-idle')).toBeUndefined();
    const ask = () => gw.client.chat.completions.create({ model: 'tiny-idle', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    await ask();
    expect(statsOf(gw, 'tiny-idle')).toMatchObject({ loaded: true, loads: 1, unloads: 0 });
    await waitFor('the idle unload', () => statsOf(gw, 'tiny-idle')?.unloads === 1);
    expect(statsOf(gw, 'tiny-idle')!.loaded).toBe(false);
    expect(gw.logs.some((l) => l.includes('"local model unloaded"') && l.includes('"alias":"tiny-idle"') && l.includes('"why":"idle"'))).toBe(true);

    const again = await ask();
    expect(again.usage!.completion_tokens).toBe(2);
    expect(statsOf(gw, 'tiny-idle')).toMatchObject({ loaded: true, loads: 2 });
  });

  it('changing an alias to another model file unloads the old model and loads the new one', async () => {
    const alias = await gw.addAlias({ name: 'tiny-swap', model_file: gw.model('swap-a.gguf', { seed: 5 }) });
    const ask = () => gw.client.chat.completions.create({ model: 'tiny-swap', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    await ask();
    const first = gw.server.gateway.local.stats().find((s) => s.modelFile.endsWith('swap-a.gguf'))!;
    expect(first.loaded).toBe(true);
    await gw.server.gateway.localAliases.update(alias.id, { name: 'tiny-swap', model_file: gw.model('swap-b.gguf', { seed: 6 }) });
    await gw.server.gateway.sync.reload();
    await ask();
    const stats = gw.server.gateway.local.stats();
    expect(stats.find((s) => s.modelFile.endsWith('swap-b.gguf'))).toMatchObject({ alias: 'tiny-swap', loaded: true, loads: 1 });
    await waitFor('the old model to unload', () => !gw.server.gateway.local.stats().some((s) => s.modelFile.endsWith('swap-a.gguf')));
    expect(gw.logs.some((l) => l.includes('"local model unloaded"') && l.includes('"why":"settings changed"'))).toBe(true);
  });

  it('a model file that disappears after creation is a 503 until it is back', async () => {
    const file = gw.model('vanishing.gguf', { seed: 9 });
    await gw.addAlias({ name: 'tiny-vanishing', model_file: file });
    renameSync(file, `${file}.moved`);
    const res = await gw.call('/v1/chat/completions', { method: 'POST', token: gw.userToken, json: { model: 'tiny-vanishing', messages: [{ role: 'user', content: 'hi' }] } });
    expect(res.status).toBe(503);
    const { error } = (await res.json()) as { error: Record<string, unknown> };
    expect(error).toMatchObject({ type: 'service_unavailable', code: 'local_model_load_failed', param: 'model' });
    expect(String(error.message)).toContain("Local model 'tiny-vanishing' is unavailable: its model file 'vanishing.gguf' could not be loaded");
    expect(String(error.message)).not.toContain(gw.dir);
    renameSync(`${file}.moved`, file);
    const ok = await gw.client.chat.completions.create({ model: 'tiny-vanishing', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
    expect(ok.usage!.completion_tokens).toBe(2);
  });

  it('a client that disconnects mid-stream stops the generation', async () => {
    const before = statsOf(gw, 'tiny')?.abortedGenerations ?? 0;
    const long = await startLongStream(gw, 'tiny', 200);
    const startedAt = Date.now();
    await long.stop();
    await waitFor('the generation to stop', () => (statsOf(gw, 'tiny')?.abortedGenerations ?? 0) === before + 1, 5_000);
    const stats = statsOf(gw, 'tiny')!;
    console.log(`disconnect: generation stopped after ${stats.lastCompletionTokens} of 100000 tokens, ${Date.now() - startedAt} ms after the client left`);
    // 100,000 tokens were asked for; the generation ended within moments of the disconnect.
    expect(stats.lastCompletionTokens).toBeGreaterThanOrEqual(200);
    expect(stats.lastCompletionTokens).toBeLessThan(5_000);
    expect(Date.now() - startedAt).toBeLessThan(5_000);
    expect(stats.running).toBe(false);
    expect(gw.logs.some((l) => l.includes('local generation stopped'))).toBe(true);
  });

  it('queues requests per model and answers 429 with retry-after when the queue is full', async () => {
    const long = await startLongStream(gw, 'tiny');
    try {
      // One waits (queue size 1)...
      const queued = gw.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'me next' }], max_tokens: 3 });
      await waitFor('the second request to queue', () => statsOf(gw, 'tiny')?.waiting === 1);
      // ...the next is refused at once.
      const full = await gw.call('/v1/chat/completions', { method: 'POST', token: gw.userToken, json: { model: 'tiny', messages: [{ role: 'user', content: 'and me' }] } });
      expect(full.status).toBe(429);
      expect(full.headers.get('retry-after')).toBe('1');
      const { error } = (await full.json()) as { error: Record<string, unknown> };
      expect(error).toMatchObject({ type: 'rate_limit_error', code: 'local_queue_full', param: 'model' });
      expect(String(error.message)).toContain("Local model 'tiny' is busy");

      // Another model has its own queue.
      const other = await gw.client.chat.completions.create({ model: 'tiny-idle', messages: [{ role: 'user', content: 'hi' }], max_tokens: 2 });
      expect(other.choices[0]!.finish_reason).toBe('length');

      await long.stop();
      const done = await queued;
      expect(done.usage!.completion_tokens).toBe(3);
    } finally {
      await long.stop();
    }
  });

  it('a client that gives up while queued leaves the queue', async () => {
    const long = await startLongStream(gw, 'tiny');
    try {
      const controller = new AbortController();
      const waiting = gw.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 }, { signal: controller.signal });
      await waitFor('the request to queue', () => statsOf(gw, 'tiny')?.waiting === 1);
      controller.abort();
      await expect(waiting).rejects.toThrow();
      await waitFor('the queue to empty', () => statsOf(gw, 'tiny')?.waiting === 0);
      await waitFor('the log line', () => gw.logs.some((l) => l.includes('client closed the connection while waiting for the local model')));
      expect(statsOf(gw, 'tiny')!.running).toBe(true);
    } finally {
      await long.stop();
    }
    await waitFor('the model to be free', () => statsOf(gw, 'tiny')?.running === false);
    const res = await gw.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'x' }], max_tokens: 2 });
    expect(res.usage!.completion_tokens).toBe(2);
  });
});
