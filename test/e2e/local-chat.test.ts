// Local aliases answer Chat Completions and Embeddings with real llama.cpp inference on a tiny
// generated model, in the exact OpenAI shapes, through the official SDK.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalTestGateway } from '../support/local.js';

describe('local alias: chat completions and embeddings', () => {
  let gw: LocalTestGateway;

  beforeAll(async () => {
    gw = await startLocalGateway();
    await gw.addAlias({ name: 'tiny', model_file: gw.model('tiny.gguf'), context_size: 512 });
    await gw.addAlias({ name: 'tiny-greedy', model_file: gw.model('tiny.gguf'), request_params: { temperature: 0, max_tokens: 12 } });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('answers a JSON chat completion in the exact shape', async () => {
    const res = await gw.client.chat.completions.create({
      model: 'tiny',
      messages: [
        { role: 'system', content: 'You are tiny.' },
        { role: 'user', content: 'hello world' },
      ],
      max_tokens: 8,
    });
    expect(res.id).toMatch(/^chatcmpl-[a-f0-9]{32}$/);
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('tiny');
    expect(Math.abs(res.created - Date.now() / 1000)).toBeLessThan(60);
    expect(res.choices).toHaveLength(1);
    const choice = res.choices[0]!;
    expect(choice.index).toBe(0);
    expect(choice.message.role).toBe('assistant');
    expect(choice.message.content!.length).toBeGreaterThan(0);
    expect(choice.finish_reason).toBe('length');
    expect(res.usage!.completion_tokens).toBe(8);
    expect(res.usage!.prompt_tokens).toBeGreaterThan(3);
    expect(res.usage!.total_tokens).toBe(res.usage!.prompt_tokens + 8);

    // Recorded like any /v1 call: a request-log row with the usage, and the metrics.
    const gateway = gw.server.gateway;
    await gateway.requestLog.flush();
    const row = (await gateway.store.listRequestLogs({ limit: 100 })).find((r) => r.responseId === null && r.model === 'tiny' && r.outputTokens === 8);
    expect(row).toMatchObject({ route: '/v1/chat/completions', status: 200, outcome: 'completed', inputTokens: res.usage!.prompt_tokens, usageCounted: true });
    const metrics = await (await gw.call('/metrics', { token: gw.adminToken })).text();
    expect(metrics).toMatch(/bodhi_requests_total\{method="POST",route="\/v1\/chat\/completions",api_model="",status="200"\} [1-9]/);
  });

  it('honours max_completion_tokens over max_tokens, and the alias defaults', async () => {
    const both = await gw.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 20, max_completion_tokens: 3 });
    expect(both.usage!.completion_tokens).toBe(3);
    // tiny-greedy: max_tokens 12 and temperature 0 from the alias's request_params
    const a = await gw.client.chat.completions.create({ model: 'tiny-greedy', messages: [{ role: 'user', content: 'the quick brown fox' }] });
    expect(a.usage!.completion_tokens).toBe(12);
    expect(a.choices[0]!.finish_reason).toBe('length');
    const b = await gw.client.chat.completions.create({ model: 'tiny-greedy', messages: [{ role: 'user', content: 'the quick brown fox' }] });
    expect(b.choices[0]!.message.content).toBe(a.choices[0]!.message.content);
  });

  it('streams chunks in the exact shape, with include_usage and [DONE]', async () => {
    const res = await gw.call('/v1/chat/completions', {
      method: 'POST',
      token: gw.userToken,
      json: { model: 'tiny', messages: [{ role: 'user', content: 'hello' }], max_tokens: 10, stream: true, stream_options: { include_usage: true } },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const events = text.split('\n\n').filter(Boolean);
    expect(events.every((e) => e.startsWith('data: ') && !e.includes('\nevent:'))).toBe(true);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as Record<string, any>);
    const ids = new Set(chunks.map((c) => c.id));
    expect(ids.size).toBe(1);
    for (const c of chunks) {
      expect(c.object).toBe('chat.completion.chunk');
      expect(c.model).toBe('tiny');
      expect(c).toHaveProperty('usage');
    }
    expect(chunks[0]!.choices[0].delta).toEqual({ role: 'assistant', content: '' });
    const usageChunk = chunks.at(-1)!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage.completion_tokens).toBe(10);
    expect(usageChunk.usage.total_tokens).toBe(usageChunk.usage.prompt_tokens + 10);
    const last = chunks.at(-2)!;
    expect(last.choices[0]).toMatchObject({ index: 0, delta: {}, finish_reason: 'length' });
    expect(last.usage).toBeNull();
    const content = chunks.slice(1, -2).map((c) => c.choices[0].delta.content as string);
    expect(content.length).toBeGreaterThan(0);
    expect(content.every((s) => typeof s === 'string' && s.length > 0)).toBe(true);
  });

  it('streams through the SDK; without include_usage there is no usage chunk', async () => {
    const stream = await gw.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hello' }], max_tokens: 6, stream: true });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.choices.length === 1 && !('usage' in c && c.usage))).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('length');
    const text = chunks.map((c) => c.choices[0]!.delta.content ?? '').join('');
    expect(text.length).toBeGreaterThan(0);
  });

  it('stops at a stop sequence with finish_reason "stop"; seed makes sampling repeatable', async () => {
    const ask = (extra: Partial<OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming>) =>
      gw.client.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'seven nine' }], max_tokens: 24, temperature: 1, seed: 7, ...extra });
    const full = await ask({});
    const again = await ask({});
    expect(again.choices[0]!.message.content).toBe(full.choices[0]!.message.content);
    const text = full.choices[0]!.message.content!;
    // A stop string from the middle of what the model says with this seed.
    const stop = text.slice(Math.floor(text.length / 2), Math.floor(text.length / 2) + 3);
    const stopped = await ask({ stop: [stop] });
    expect(stopped.choices[0]!.finish_reason).toBe('stop');
    expect(stopped.choices[0]!.message.content).toBe(text.slice(0, text.indexOf(stop)));
    expect(stopped.usage!.completion_tokens).toBeLessThan(24);
  });

  it('returns embeddings as floats and as base64 (the SDK default), with usage', async () => {
    const floats = await gw.client.embeddings.create({ model: 'tiny', input: ['hello world', 'the quick brown fox'], encoding_format: 'float' });
    expect(floats.object).toBe('list');
    expect(floats.model).toBe('tiny');
    expect(floats.data.map((d) => d.index)).toEqual([0, 1]);
    expect(floats.data[0]!.embedding).toHaveLength(32);
    expect(floats.usage.prompt_tokens).toBeGreaterThan(2);
    expect(floats.usage.total_tokens).toBe(floats.usage.prompt_tokens);

    // The SDK asks for base64 and decodes it back to floats.
    const viaSdk = await gw.client.embeddings.create({ model: 'tiny', input: 'hello world' });
    expect(viaSdk.data[0]!.embedding).toHaveLength(32);
    viaSdk.data[0]!.embedding.forEach((v, i) => expect(v).toBeCloseTo(floats.data[0]!.embedding[i]!, 5));

    const raw = await gw.call('/v1/embeddings', { method: 'POST', token: gw.userToken, json: { model: 'tiny', input: 'hello world', encoding_format: 'base64' } });
    const body = (await raw.json()) as { data: { embedding: string }[] };
    const bytes = Buffer.from(body.data[0]!.embedding, 'base64');
    expect(bytes.length).toBe(32 * 4);
    expect(bytes.readFloatLE(4)).toBeCloseTo(floats.data[0]!.embedding[1]!, 5);
  });

  it('refuses what a local model cannot do with a 400 naming the parameter', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ messages: [] }, 'messages'],
      [{ messages: [{ role: 'user', content: 'hi' }], n: 2 }, 'n'],
      [{ messages: [{ role: 'user', content: 'hi' }], temperature: 3 }, 'temperature'],
      [{ messages: [{ role: 'user', content: 'hi' }], stop: ['a', 'b', 'c', 'd', 'e'] }, 'stop'],
      [{ messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'f' } }] }, 'tools'],
      [{ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'x' } }] }] }, 'messages[0].content'],
      [{ messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } }, 'stream_options'],
      [{ messages: [{ role: 'user', content: 'hello '.repeat(600) }] }, 'messages'],
    ];
    for (const [body, param] of cases) {
      const res = await gw.call('/v1/chat/completions', { method: 'POST', token: gw.userToken, json: { model: 'tiny', ...body } });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      const { error } = (await res.json()) as { error: { type: string; param: string; message: string } };
      expect(error.type).toBe('invalid_request_error');
      expect(error.param).toBe(param);
    }
    const emb = await gw.call('/v1/embeddings', { method: 'POST', token: gw.userToken, json: { model: 'tiny', input: [1, 2, 3] } });
    expect(emb.status).toBe(400);
  });

  it('keeps the Responses API closed to local aliases with the exact text', async () => {
    for (const path of ['/v1/responses', '/v1/responses/input_tokens', '/v1/responses/compact']) {
      const res = await gw.call(path, { method: 'POST', token: gw.userToken, json: { model: 'tiny', input: 'hi' } });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { message: string; param: string } };
      expect(error.message).toBe("Model 'tiny' is not configured for Responses API format. Configure an alias with 'openai_responses' format.");
      expect(error.param).toBe('model');
    }
    const viaQuery = await gw.call('/v1/responses/resp_123?model=tiny', { token: gw.userToken });
    expect(viaQuery.status).toBe(400);
  });

  it('lists local aliases in /v1/models with owned_by "local", and honours allowed_models', async () => {
    const list = await gw.client.models.list();
    const tiny = list.data.find((m) => m.id === 'tiny') as unknown as Record<string, any>;
    expect(tiny).toMatchObject({ object: 'model', owned_by: 'local', bodhi: { kind: 'local', model_file: 'tiny.gguf', context_size: 512 } });
    const one = (await gw.client.models.retrieve('tiny-greedy')) as unknown as Record<string, any>;
    expect(one.owned_by).toBe('local');

    const limited = await gw.createToken('limited', 'user', { allowed_models: ['tiny-greedy'] });
    const limitedClient = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: limited, maxRetries: 0 });
    expect((await limitedClient.models.list()).data.map((m) => m.id)).toEqual(['tiny-greedy']);
    await expect(limitedClient.chat.completions.create({ model: 'tiny', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 403 });
  });
});
