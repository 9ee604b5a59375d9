// node-llama-cpp is optional: where it (or its prebuilt llama.cpp binary) cannot load, local
// aliases answer a 503 that says why, and everything else works as before. It is loaded only
// when a local alias is first used, never at startup or for API models.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startLocalGateway, type LocalTestGateway } from '../support/local.js';

type ErrorBody = { error: { message: string; type: string; param: string | null; code: string | null } };

describe('local inference unavailable', () => {
  let upstream: FakeUpstream;
  let dir: string;
  const gateways: LocalTestGateway[] = [];

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: 'sk-unavail-SECRET' });
    dir = mkdtempSync(join(tmpdir(), 'bodhi-binding-'));
  });
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.close()));
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function gatewayWith(binding: (dir: string) => string) {
    const gw = await startLocalGateway({ BODHI_LOCAL_BINDING: binding(dir) });
    gateways.push(gw);
    await gw.addApiModel({ name: 'remote', api_format: 'openai', base_url: upstream.url, api_key: upstream.apiKey, models: ['gpt-4o'] });
    // Alias creation checks the GGUF header itself: it needs no llama.cpp.
    await gw.addAlias({ name: 'tiny', model_file: gw.model('tiny.gguf') });
    return gw;
  }

  async function expect503(gw: LocalTestGateway, path: string, body: Record<string, unknown>, reason: string) {
    const res = await gw.call(path, { method: 'POST', token: gw.userToken, json: { model: 'tiny', ...body } });
    expect(res.status).toBe(503);
    expect(res.headers.get('x-should-retry')).toBe('false');
    const { error } = (await res.json()) as ErrorBody;
    expect(error).toMatchObject({ type: 'service_unavailable', param: 'model', code: 'local_inference_unavailable' });
    expect(error.message).toContain("Local model 'tiny' is unavailable: llama.cpp cannot run here:");
    expect(error.message).toContain(reason);
    expect(error.message).not.toContain('imported from');
  }

  it('answers 503 saying why when node-llama-cpp is missing; API models keep working', async () => {
    const gw = await gatewayWith((dir) => join(dir, 'no-such-module.mjs'));
    const api = await gw.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] });
    expect(api.choices[0]!.message.content).toBeTruthy();
    expect(gw.logs.some((l) => l.includes('node-llama-cpp'))).toBe(false);

    await expect503(gw, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }, 'could not be imported');
    await expect503(gw, '/v1/embeddings', { input: 'hi' }, 'could not be imported');
    // The SDK surfaces it as an APIError with the message (and does not retry it).
    await expect(gw.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({
      status: 503,
      code: 'local_inference_unavailable',
    });
    // Listing still works.
    expect((await gw.client.models.list()).data.map((m) => m.id).sort()).toEqual(['gpt-4o', 'tiny']);
  });

  it('answers 503 when the prebuilt llama.cpp binary cannot load', async () => {
    const gw = await gatewayWith((dir) => {
      const file = join(dir, 'broken-binding.mjs');
      writeFileSync(
        file,
        `export async function getLlama() { throw new Error('A prebuilt binary was not found for this platform'); }\n`,
      );
      return file;
    });
    await expect503(gw, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }, 'no working prebuilt llama.cpp binary');
    await expect503(gw, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }, 'A prebuilt binary was not found for this platform');
  });

  it('answers 503 when local inference is turned off', async () => {
    const gw = await gatewayWith(() => 'off');
    await expect503(gw, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }] }, 'turned off (BODHI_LOCAL_BINDING=off)');
  });
});
