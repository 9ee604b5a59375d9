// The Responses API through the gateway, driven by the official openai SDK the way an
// application would use it.
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from './setup.js';

describe('Responses API via the official SDK', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E();
  });
  afterAll(() => e.close());

  it('creates a response; the upstream gets the stripped model and its own key only', async () => {
    const before = e.responsesUpstream.requests.length;
    const res = await e.client.responses.create({ model: 'res/gpt-5', input: 'Plan a 3-day Tokyo itinerary.' });
    expect(res.object).toBe('response');
    expect(res.status).toBe('completed');
    expect(res.output_text).toBe('Echo: Plan a 3-day Tokyo itinerary.');
    expect(res.model).toBe('gpt-5');
    const seen = e.responsesUpstream.requests.slice(before);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${e.responsesUpstream.apiKey}`);
    expect(JSON.stringify(seen[0]!.rawHeaders)).not.toContain(e.userToken);
    expect(JSON.parse(seen[0]!.body.toString()).model).toBe('gpt-5');
    expect(seen[0]!.headers['user-agent']).toMatch(/OpenAI\/JS/);
  });

  it('streams with the responses.stream() helper', async () => {
    const stream = e.client.responses.stream({ model: 'res/gpt-5', input: 'stream me' });
    const deltas: string[] = [];
    const types: string[] = [];
    stream.on('response.output_text.delta', (ev) => deltas.push(ev.delta));
    for await (const ev of stream) types.push(ev.type);
    const final = await stream.finalResponse();
    expect(deltas.join('')).toBe('Echo: stream me');
    expect(final.output_text).toBe('Echo: stream me');
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
  });

  it('streams with create({stream: true}) keeping sequence numbers and no [DONE]', async () => {
    const stream = await e.client.responses.create({ model: 'res/gpt-4.1', input: 'numbers', stream: true });
    const seqs: number[] = [];
    for await (const ev of stream) seqs.push(ev.sequence_number);
    expect(seqs).toEqual(seqs.map((_, i) => i));
    expect(seqs.length).toBeGreaterThan(8);
  });

  it('retrieves by id without ?model=, using the routing record', async () => {
    const created = await e.client.responses.create({ model: 'res/gpt-5', input: 'remember me' });
    const got = await e.client.responses.retrieve(created.id);
    expect(got.id).toBe(created.id);
    expect(got.output_text).toBe('Echo: remember me');
  });

  it('runs the background create -> poll -> result flow', async () => {
    const created = await e.client.responses.create({ model: 'res/gpt-5', input: 'long task', background: true });
    expect(['queued', 'in_progress']).toContain(created.status);
    const statuses = new Set<string>();
    let current = created;
    for (let i = 0; i < 100 && !['completed', 'failed', 'cancelled'].includes(current.status!); i++) {
      await new Promise((r) => setTimeout(r, 15));
      current = await e.client.responses.retrieve(created.id);
      statuses.add(current.status!);
    }
    expect(current.status).toBe('completed');
    expect(statuses.has('in_progress') || created.status === 'in_progress').toBe(true);
    expect(current.output_text).toBe('Echo: long task');
  });

  it('cancels a background response; a synchronous one gives the upstream 400 verbatim', async () => {
    const bg = await e.client.responses.create({ model: 'res/gpt-5', input: 'cancel me', background: true });
    const cancelled = await e.client.responses.cancel(bg.id);
    expect(cancelled.status).toBe('cancelled');

    const sync = await e.client.responses.create({ model: 'res/gpt-5', input: 'sync' });
    const err = await e.client.responses.cancel(sync.id).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.BadRequestError>).message).toContain('Cannot cancel a synchronous response.');
  });

  it('deletes a response; retrieving it afterwards is the upstream 404', async () => {
    const created = await e.client.responses.create({ model: 'res/gpt-5', input: 'delete me' });
    const deleted = await e.client.responses.delete(created.id).asResponse();
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toEqual({ id: created.id, object: 'response.deleted', deleted: true });
    const err = await e.client.responses.retrieve(created.id).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(404);
  });

  it('auto-paginates input items', async () => {
    const input = ['one', 'two', 'three', 'four', 'five'].map((text) => ({ role: 'user' as const, content: text }));
    const created = await e.client.responses.create({ model: 'res/gpt-5', input });
    const items: string[] = [];
    for await (const item of e.client.responses.inputItems.list(created.id, { limit: 2, order: 'asc' })) {
      items.push(item.id!);
    }
    expect(items).toHaveLength(5);
    const pages = e.responsesUpstream.requests.filter((r) => r.url.startsWith(`/v1/responses/${created.id}/input_items`));
    expect(pages.length).toBe(3);
    expect(pages[1]!.url).toMatch(/after=/);
  });

  it('counts input tokens and compacts, routed by model', async () => {
    const count = await e.client.responses.inputTokens.count({ model: 'res/gpt-5', input: 'a b c d' });
    expect(count.object).toBe('response.input_tokens');
    expect(count.input_tokens).toBeGreaterThan(0);
    const compacted = await e.client.responses.compact({ model: 'res/gpt-5', input: 'hello there' });
    expect(compacted.object).toBe('response.compaction');
    const last = e.responsesUpstream.requests.at(-1)!;
    expect(last.url).toBe('/v1/responses/compact');
    expect(JSON.parse(last.body.toString()).model).toBe('gpt-5');
  });

  it('chains previous_response_id to the same upstream account', async () => {
    const first = await e.client.responses.create({ model: 'res/gpt-5', input: 'first' });
    const second = await e.client.responses.create({ model: 'res/gpt-5', input: 'second', previous_response_id: first.id });
    expect(second.previous_response_id).toBe(first.id);
  });

  it('maps gateway errors to the SDK error classes', async () => {
    const unknown = await e.client.responses.create({ model: 'nope', input: 'x' }).catch((x: unknown) => x);
    expect(unknown).toBeInstanceOf(OpenAI.NotFoundError);
    const badToken = await e.clientFor('sk-bodhiapp_' + 'x'.repeat(43)).responses.create({ model: 'res/gpt-5', input: 'x' }).catch((x: unknown) => x);
    expect(badToken).toBeInstanceOf(OpenAI.AuthenticationError);
    const wrongFormat = await e.client.responses.create({ model: 'gpt-4o', input: 'x' }).catch((x: unknown) => x);
    expect(wrongFormat).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe('Chat Completions, Embeddings and Models via the official SDK', () => {
  let e: E2E;
  beforeAll(async () => {
    e = await startE2E();
  });
  afterAll(() => e.close());

  it('chat completion, JSON and streamed with usage', async () => {
    const res = await e.client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi there' }] });
    expect(res.choices[0]!.message.content).toBe('Echo: hi there');

    const stream = await e.client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'stream it' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Echo: stream it');
    expect(usage?.total_tokens).toBeGreaterThan(0);
    expect(e.chatUpstream.lastSentBody()!.toString().endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('embeddings with the SDK default (base64) and with float', async () => {
    const b64 = await e.client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'] });
    const float = await e.client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], encoding_format: 'float' });
    expect(b64.data).toHaveLength(2);
    expect(b64.data[0]!.embedding).toEqual(float.data[0]!.embedding);
    expect(JSON.parse(e.chatUpstream.requests.at(-2)!.body.toString()).encoding_format).toBe('base64');
  });

  it('lists and retrieves models with their format', async () => {
    const ids: string[] = [];
    for await (const m of e.client.models.list()) ids.push(m.id);
    expect(ids.sort()).toEqual(['gpt-4o', 'res/gpt-4.1', 'res/gpt-5', 'text-embedding-3-small']);
    const one = (await e.client.models.retrieve('res/gpt-5')) as OpenAI.Model & { bodhi: unknown };
    expect(one).toMatchObject({ id: 'res/gpt-5', object: 'model', owned_by: 'openai_responses', bodhi: { kind: 'api', api_model: 'openai-responses', api_format: 'openai_responses' } });
    await expect(e.client.models.retrieve('nope')).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('rejects the other format with the exact texts', async () => {
    const chat = await e.client.chat.completions.create({ model: 'res/gpt-5', messages: [{ role: 'user', content: 'x' }] }).catch((x: unknown) => x);
    expect((chat as InstanceType<typeof OpenAI.APIError>).status).toBe(400);
    expect((chat as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      message: "Model is configured with 'openai_responses' format which does not support the chat completions endpoint. Use the responses API endpoint instead.",
      type: 'invalid_request_error',
    });
    const emb = await e.client.embeddings.create({ model: 'res/gpt-5', input: 'x' }).catch((x: unknown) => x);
    expect((emb as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      message: "Model is configured with 'openai_responses' format which does not support the embeddings endpoint.",
    });
  });
});
