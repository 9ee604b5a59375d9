import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import OpenAI, { APIError, AuthenticationError, NotFoundError } from 'openai';
import { startFakeUpstream } from './fake-upstream.js';
import type { FakeUpstream } from './fake-upstream.js';

interface SseBlock {
  event: string | null;
  data: string;
}

function parseSse(text: string): SseBlock[] {
  return text
    .split('\n\n')
    .filter((b) => b.trim() !== '')
    .map((block) => {
      let event: string | null = null;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      return { event, data: data.join('\n') };
    });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(fn: () => Promise<T>, pred: (v: T) => boolean, timeoutMs = 3000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (pred(v)) return v;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('fake upstream', () => {
  let fake: FakeUpstream;
  let client: OpenAI;
  const authHeaders = (): Record<string, string> => ({ authorization: `Bearer ${fake.apiKey}`, 'content-type': 'application/json' });
  const post = (path: string, body: unknown, headers: Record<string, string> = authHeaders()): Promise<Response> =>
    fetch(`${fake.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const get = (path: string): Promise<Response> => fetch(`${fake.url}${path}`, { headers: authHeaders() });

  beforeAll(async () => {
    fake = await startFakeUpstream({ eventDelayMs: 2, backgroundStepMs: 30, textDeltas: 4, usage: { input_tokens: 7, output_tokens: 3, reasoning_tokens: 1, cached_tokens: 2 } });
    client = new OpenAI({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 0, timeout: 5000 });
  });
  afterAll(async () => {
    await fake.close();
  });
  afterEach(() => {
    fake.setFault(null);
  });

  it('listens on 127.0.0.1 under /v1', () => {
    expect(fake.url).toBe(`http://127.0.0.1:${fake.port}/v1`);
    expect(fake.apiKey).toBe('sk-upstream-secret-0123456789');
  });

  it('SDK responses.create returns a realistic completed Response and records the request', async () => {
    const before = fake.requests.length;
    const { data: resp, response: raw } = await client.responses
      .create({ model: 'gpt-4.1', input: 'hello world', metadata: { k: 'v' } })
      .withResponse();
    expect(resp.id).toMatch(/^resp_[0-9a-f]{24}$/);
    expect(resp.object).toBe('response');
    expect(resp.status).toBe('completed');
    expect(resp.background).toBe(false);
    expect(resp.model).toBe('gpt-4.1');
    expect(resp.metadata).toEqual({ k: 'v' });
    expect(resp.output_text).toBe('Echo: hello world');
    expect(resp.usage).toEqual({
      input_tokens: 7,
      input_tokens_details: { cached_tokens: 2 },
      output_tokens: 3,
      output_tokens_details: { reasoning_tokens: 1 },
      total_tokens: 10,
    });
    const item = resp.output[0];
    expect(item?.type).toBe('message');
    expect(item?.id).toMatch(/^msg_/);
    expect(raw.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]+$/);
    expect(raw.headers.get('openai-version')).toBe('2020-10-01');
    expect(raw.headers.get('openai-processing-ms')).toMatch(/^\d+$/);
    expect(raw.headers.get('x-ratelimit-remaining-requests')).toBe('9999');
    expect(raw.headers.get('set-cookie')).toBe('__cf_bm=fake; Path=/; HttpOnly');

    // wire format: no output_text (the SDK adds it), all the echoed fields present
    const wire = JSON.parse(fake.lastSentBody()!.toString('utf8')) as Record<string, unknown>;
    expect(wire).not.toHaveProperty('output_text');
    for (const k of ['created_at', 'error', 'incomplete_details', 'instructions', 'parallel_tool_calls', 'previous_response_id', 'store', 'temperature', 'tool_choice', 'tools', 'top_p', 'truncation', 'user']) {
      expect(wire).toHaveProperty(k);
    }
    expect(fake.responses.get(resp.id)).toEqual(wire);

    expect(fake.requests.length).toBe(before + 1);
    const rec = fake.requests[fake.requests.length - 1]!;
    expect(rec.method).toBe('POST');
    expect(rec.url).toBe('/v1/responses');
    expect(rec.headers.authorization).toBe(`Bearer ${fake.apiKey}`);
    expect(rec.rawHeaders.length).toBeGreaterThan(0);
    expect(JSON.parse(rec.body.toString('utf8'))).toMatchObject({ model: 'gpt-4.1', input: 'hello world' });
  });

  it('takes the last user message from array input and validates model', async () => {
    const resp = await client.responses.create({
      model: 'gpt-5',
      input: [
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'ignored' },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'second' }] },
      ],
    });
    expect(resp.output_text).toBe('Echo: second');

    const res = await post('/responses', { input: 'x' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: { message: "Missing required parameter: 'model'.", type: 'invalid_request_error', param: 'model', code: 'missing_required_parameter' },
    });
    const bad = await fetch(`${fake.url}/responses`, { method: 'POST', headers: authHeaders(), body: '{not json' });
    expect(bad.status).toBe(400);
  });

  it('rejects an unknown previous_response_id and accepts a known one', async () => {
    await expect(client.responses.create({ model: 'gpt-4.1', input: 'x', previous_response_id: 'resp_nope' })).rejects.toMatchObject({
      status: 400,
      param: 'previous_response_id',
    });
    const first = await client.responses.create({ model: 'gpt-4.1', input: 'a' });
    const second = await client.responses.create({ model: 'gpt-4.1', input: 'b', previous_response_id: first.id });
    expect(second.previous_response_id).toBe(first.id);
  });

  it('SDK responses.stream() helper collects text and the final response', async () => {
    const stream = client.responses.stream({ model: 'gpt-4.1', input: 'stream me please' });
    let text = '';
    stream.on('response.output_text.delta', (e) => {
      text += e.delta;
    });
    const final = await stream.finalResponse();
    expect(text).toBe('Echo: stream me please');
    expect(final.output_text).toBe('Echo: stream me please');
    expect(final.status).toBe('completed');
    expect(final.usage?.total_tokens).toBe(10);
    expect(fake.responses.get(final.id)).toMatchObject({ status: 'completed' });
  });

  it('create({stream:true}) emits the events in order with sequence numbers from 0', async () => {
    const stream = await client.responses.create({ model: 'gpt-4.1', input: 'abc def', stream: true });
    const events: { type: string; sequence_number: number }[] = [];
    let text = '';
    for await (const ev of stream) {
      events.push(ev);
      if (ev.type === 'response.output_text.delta') {
        expect(ev.logprobs).toEqual([]);
        expect(ev.item_id).toMatch(/^msg_/);
        text += ev.delta;
      }
    }
    expect(events.map((e) => e.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(text).toBe('Echo: abc def');

    // raw framing: event line + data line, no [DONE]
    const body = fake.lastSentBody()!.toString('utf8');
    expect(body.startsWith('event: response.created\ndata: {')).toBe(true);
    expect(body).not.toContain('[DONE]');
    const blocks = parseSse(body);
    expect(blocks).toHaveLength(12);
    for (const b of blocks) expect((JSON.parse(b.data) as { type: string }).type).toBe(b.event);
  });

  it('background: queued, then in_progress, then completed by polling', async () => {
    const created = await client.responses.create({ model: 'gpt-4.1', input: 'bg job', background: true });
    expect(created.status).toBe('queued');
    expect(created.background).toBe(true);
    expect(created.output).toEqual([]);
    expect(created.usage).toBeNull();
    const seen = new Set<string>();
    const done = await until(
      () => client.responses.retrieve(created.id),
      (r) => {
        seen.add(r.status ?? '');
        return r.status === 'completed';
      },
    );
    expect(seen.has('in_progress') || seen.has('queued')).toBe(true);
    expect(done.output_text).toBe('Echo: bg job');
    expect(done.usage?.input_tokens).toBe(7);
  });

  it('cancel: synchronous -> 400, background -> cancelled and stays cancelled, finished -> unchanged', async () => {
    const sync = await client.responses.create({ model: 'gpt-4.1', input: 'x' });
    const err = await client.responses.cancel(sync.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).error).toEqual({ message: 'Cannot cancel a synchronous response.', type: 'invalid_request_error', param: null, code: null });

    const bg = await client.responses.create({ model: 'gpt-4.1', input: 'y', background: true });
    const cancelled = await client.responses.cancel(bg.id);
    expect(cancelled.status).toBe('cancelled');
    const cancelReq = fake.requests[fake.requests.length - 1]!;
    expect(cancelReq.url).toBe(`/v1/responses/${bg.id}/cancel`);
    expect(cancelReq.body.length).toBe(0);
    await sleep(100); // > 2 background steps
    expect((await client.responses.retrieve(bg.id)).status).toBe('cancelled');

    const bg2 = await client.responses.create({ model: 'gpt-4.1', input: 'z', background: true });
    await until(() => client.responses.retrieve(bg2.id), (r) => r.status === 'completed');
    const again = await client.responses.cancel(bg2.id);
    expect(again.status).toBe('completed');
    expect(again.output[0]).toMatchObject({ type: 'message', content: [{ type: 'output_text', text: 'Echo: z', annotations: [] }] });
  });

  it('delete then retrieve -> 404 NotFoundError', async () => {
    const r = await client.responses.create({ model: 'gpt-4.1', input: 'to delete' });
    const del = await fetch(`${fake.url}/responses/${r.id}`, { method: 'DELETE', headers: authHeaders() });
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ id: r.id, object: 'response.deleted', deleted: true });
    expect(fake.responses.has(r.id)).toBe(false);
    const err = await client.responses.retrieve(r.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).error).toEqual({ message: `Response with id '${r.id}' not found.`, type: 'invalid_request_error', param: null, code: null });
    await expect(client.responses.delete(r.id)).rejects.toBeInstanceOf(NotFoundError);

    const r2 = await client.responses.create({ model: 'gpt-4.1', input: 'sdk delete' });
    await client.responses.delete(r2.id);
    await expect(client.responses.retrieve(r2.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('input_items: SDK auto-pagination, order, limit validation', async () => {
    const input = ['m1', 'm2', 'm3', 'm4', 'm5'].map((t) => ({ role: 'user' as const, content: t }));
    const r = await client.responses.create({ model: 'gpt-4.1', input });
    const before = fake.requests.length;
    const texts: string[] = [];
    for await (const item of client.responses.inputItems.list(r.id, { limit: 2 })) {
      expect(item.id).toMatch(/^msg_/);
      if (item.type === 'message' && 'content' in item) {
        const part = item.content[0];
        expect(part?.type).toBe('input_text');
        texts.push(part && 'text' in part ? part.text : '');
      }
      if (texts.length > 10) break;
    }
    expect(texts).toEqual(['m5', 'm4', 'm3', 'm2', 'm1']); // default order desc
    const pageReqs = fake.requests.slice(before);
    expect(pageReqs).toHaveLength(3);
    expect(pageReqs[1]!.url).toMatch(/after=msg_/);

    const asc = await client.responses.inputItems.list(r.id, { order: 'asc', limit: 3 });
    expect(asc.data.map((i) => ('content' in i ? i.content?.[0] : undefined))).toEqual(['m1', 'm2', 'm3'].map((text) => ({ type: 'input_text', text })));
    expect(asc.has_more).toBe(true);
    const page = (await (await get(`/responses/${r.id}/input_items?order=asc&limit=3`)).json()) as Record<string, unknown>;
    expect(page).toMatchObject({ object: 'list', has_more: true, first_id: asc.data[0]!.id, last_id: asc.data[2]!.id });

    for (const bad of ['0', '101', 'abc']) {
      const res = await get(`/responses/${r.id}/input_items?limit=${bad}`);
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: { param: string } }).error.param).toBe('limit');
    }
    expect((await get(`/responses/${r.id}/input_items?order=sideways`)).status).toBe(400);
    expect((await get(`/responses/resp_missing/input_items`)).status).toBe(404);
  });

  it('replay: GET ?stream=true is byte-identical to the original stream and honours starting_after', async () => {
    const stream = await client.responses.create({ model: 'gpt-4.1', input: 'replay me', stream: true });
    let id = '';
    for await (const ev of stream) if (ev.type === 'response.created') id = ev.response.id;
    const original = fake.sentBodies.get('POST /v1/responses')!;

    const full = await get(`/responses/${id}?stream=true&include%5B%5D=message.output_text.logprobs&include%5B%5D=x&unknown=1`);
    expect(full.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const fullText = await full.text();
    expect(Buffer.from(fullText).equals(original)).toBe(true);

    const res = await get(`/responses/${id}?stream=true&starting_after=3`);
    const blocks = parseSse(await res.text());
    const seqs = blocks.map((b) => (JSON.parse(b.data) as { sequence_number: number }).sequence_number);
    expect(seqs[0]).toBe(4);
    expect(seqs.every((s) => s > 3)).toBe(true);
    expect(blocks[blocks.length - 1]!.event).toBe('response.completed');
    expect(fake.requests[fake.requests.length - 1]!.url).toBe(`/v1/responses/${id}?stream=true&starting_after=3`);

    // background responses are replayable too (events generated once completed)
    const bg = await client.responses.create({ model: 'gpt-4.1', input: 'bg replay', background: true });
    const replay = client.responses.stream({ response_id: bg.id });
    const final = await replay.finalResponse();
    expect(final.output_text).toBe('Echo: bg replay');
    expect(final.background).toBe(true);
  });

  it('chat stream with include_usage via raw fetch ends with usage chunk and [DONE]', async () => {
    const res = await post('/chat/completions', {
      model: 'gpt-4.1',
      messages: [
        { role: 'system', content: 'sys' },
        { role: 'user', content: 'hi there' },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await res.text();
    expect(text).not.toMatch(/^event:/m);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const blocks = parseSse(text);
    expect(blocks[blocks.length - 1]!.data).toBe('[DONE]');
    const chunks = blocks.slice(0, -1).map((b) => JSON.parse(b.data) as { object: string; choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[]; usage: unknown });
    for (const c of chunks) expect(c.object).toBe('chat.completion.chunk');
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    const usageChunk = chunks[chunks.length - 1]!;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });
    expect(chunks[chunks.length - 2]!.choices[0]!.finish_reason).toBe('stop');
    const content = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(content).toBe('Echo: hi there');
    expect(Buffer.from(text).equals(fake.lastSentBody()!)).toBe(true);
  });

  it('chat completions via SDK (stream and non-stream)', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4.1',
      messages: [{ role: 'user', content: 'yo' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let content = '';
    let usage: unknown = null;
    let finish: string | null = null;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finish = chunk.choices[0].finish_reason;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(content).toBe('Echo: yo');
    expect(finish).toBe('stop');
    expect(usage).toMatchObject({ total_tokens: 10 });

    const plain = await client.chat.completions.create({ model: 'gpt-4.1', messages: [{ role: 'user', content: [{ type: 'text', text: 'parts' }] }] });
    expect(plain.id).toMatch(/^chatcmpl-/);
    expect(plain.object).toBe('chat.completion');
    expect(plain.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Echo: parts' });
    expect(plain.choices[0]?.finish_reason).toBe('stop');
    expect(plain.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 });

    const noStreamUsage = await post('/chat/completions', { model: 'gpt-4.1', messages: [{ role: 'user', content: 'q' }], stream: true });
    const blocks = parseSse(await noStreamUsage.text());
    expect(blocks.some((b) => b.data.includes('"choices":[]'))).toBe(false);
    expect(blocks[blocks.length - 1]!.data).toBe('[DONE]');
  });

  it('embeddings: float by default on the wire, base64 via SDK decodes to the same vectors', async () => {
    const res = await post('/embeddings', { model: 'text-embedding-3-small', input: ['alpha', 'beta gamma'] });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: { object: string; embedding: number[]; index: number }[]; model: string; usage: { prompt_tokens: number; total_tokens: number } };
    expect(body.object).toBe('list');
    expect(body.model).toBe('text-embedding-3-small');
    expect(body.data.map((d) => d.index)).toEqual([0, 1]);
    expect(body.data[0]!.object).toBe('embedding');
    expect(body.data[0]!.embedding).toHaveLength(8);
    expect(body.data[0]!.embedding).not.toEqual(body.data[1]!.embedding);
    expect(body.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });

    const b64 = (await (await post('/embeddings', { model: 'm', input: 'alpha', encoding_format: 'base64' })).json()) as { data: { embedding: string }[] };
    expect(typeof b64.data[0]!.embedding).toBe('string');
    expect(Buffer.from(b64.data[0]!.embedding, 'base64').length).toBe(32);

    const sdk = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta gamma'] });
    expect(JSON.parse(fake.requests[fake.requests.length - 1]!.body.toString('utf8'))).toMatchObject({ encoding_format: 'base64' });
    expect(sdk.data[0]!.embedding).toEqual(body.data[0]!.embedding);
    expect(sdk.data[1]!.embedding).toEqual(body.data[1]!.embedding);

    const sdkFloat = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'alpha', encoding_format: 'float' });
    expect(sdkFloat.data[0]!.embedding).toEqual(body.data[0]!.embedding);

    expect((await post('/embeddings', { model: 'm', input: 'a', encoding_format: 'hex' })).status).toBe(400);
  });

  it('models list, input_tokens and compact', async () => {
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toEqual(expect.arrayContaining(['gpt-4.1', 'gpt-5', 'text-embedding-3-small']));
    const raw = (await (await get('/models')).json()) as { object: string; data: Record<string, unknown>[] };
    expect(raw.object).toBe('list');
    expect(raw.data[0]).toMatchObject({ id: 'gpt-4.1', object: 'model', owned_by: 'openai' });

    const count = await client.responses.inputTokens.count({ model: 'gpt-4.1', input: 'one two three four' });
    expect(count).toEqual({ object: 'response.input_tokens', input_tokens: 4 });

    const compacted = await client.responses.compact({ model: 'gpt-4.1', input: [{ role: 'user', content: 'keep me' }] });
    expect(compacted.id).toMatch(/^cmp_/);
    expect(compacted.object).toBe('response.compaction');
    expect(compacted.output[compacted.output.length - 1]?.type).toBe('compaction');
    expect(compacted.usage.total_tokens).toBe(10);
  });

  it('wrong key -> 401 AuthenticationError with the 4-key envelope; unknown route -> 404', async () => {
    const bad = new OpenAI({ baseURL: fake.url, apiKey: 'wrong-key-123', maxRetries: 0 });
    const err = await bad.responses.create({ model: 'gpt-4.1', input: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).status).toBe(401);
    expect((err as AuthenticationError).error).toEqual({
      message: 'Incorrect API key provided: wro***.',
      type: 'invalid_request_error',
      param: null,
      code: 'invalid_api_key',
    });
    const none = await fetch(`${fake.url}/models`);
    expect(none.status).toBe(401);
    expect(Object.keys(((await none.json()) as { error: object }).error).sort()).toEqual(['code', 'message', 'param', 'type']);

    const res = await get('/nope');
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(res.headers.get('x-request-id')).toMatch(/^req_/);
  });

  describe('faults', () => {
    it('status + headers, applied `times` then cleared', async () => {
      fake.setFault({ status: 429, headers: { 'retry-after': '1' }, times: 2 });
      const a = await get('/models');
      expect(a.status).toBe(429);
      expect(a.headers.get('retry-after')).toBe('1');
      expect(((await a.json()) as { error: { code: string } }).error.code).toBe('rate_limit_exceeded');
      const err = await client.models.list().catch((e: unknown) => e);
      expect((err as APIError).status).toBe(429);
      expect((await get('/models')).status).toBe(200);
    });

    it('custom body and path filter (string and RegExp)', async () => {
      fake.setFault({ path: '/v1/embeddings', status: 502, body: '<html>bad gateway</html>', headers: { 'content-type': 'text/html' } });
      expect((await get('/models')).status).toBe(200);
      const r = await post('/embeddings', { model: 'm', input: 'x' });
      expect(r.status).toBe(502);
      expect(r.headers.get('content-type')).toBe('text/html');
      expect(await r.text()).toBe('<html>bad gateway</html>');
      fake.setFault({ path: /^\/v1\/responses\/[^/]+$/, status: 500, times: 1 });
      const created = await client.responses.create({ model: 'gpt-4.1', input: 'x' });
      const err = await client.responses.retrieve(created.id).catch((e: unknown) => e);
      expect((err as APIError).status).toBe(500);
      expect((await client.responses.retrieve(created.id)).id).toBe(created.id);
    });

    it('slowHeadersMs delays the answer', async () => {
      fake.setFault({ slowHeadersMs: 150, times: 1 });
      const t0 = performance.now();
      const res = await get('/models');
      expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const t1 = performance.now();
      await (await get('/models')).arrayBuffer();
      expect(performance.now() - t1).toBeLessThan(140);
    });

    it('resetBeforeHeaders drops the connection without an answer', async () => {
      fake.setFault({ resetBeforeHeaders: true, times: 1 });
      await expect(get('/models')).rejects.toThrow();
      expect(fake.requests[fake.requests.length - 1]!.url).toBe('/v1/models');
      expect((await get('/models')).status).toBe(200);
    });

    it('resetMidBodyAfterBytes sends headers and a truncated body', async () => {
      fake.setFault({ resetMidBodyAfterBytes: 10, times: 1 });
      const res = await get('/models');
      expect(res.status).toBe(200);
      await expect(res.text()).rejects.toThrow();
      const sent = fake.sentBodies.get('GET /v1/models')!;
      expect(sent.length).toBe(10);
      expect(sent.toString()).toBe('{"object":');
    });

    it('resetMidStreamAfterEvents cuts an SSE stream after N events', async () => {
      fake.setFault({ path: '/v1/responses', resetMidStreamAfterEvents: 3, times: 1 });
      const res = await post('/responses', { model: 'gpt-4.1', input: 'cut', stream: true });
      expect(res.status).toBe(200);
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      let text = '';
      let failed = false;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += decoder.decode(value, { stream: true });
        }
      } catch {
        failed = true;
      }
      expect(failed).toBe(true);
      expect(parseSse(text).map((b) => b.event)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added']);

      fake.setFault({ path: '/v1/responses', resetMidStreamAfterEvents: 2, times: 1 });
      const stream = await client.responses.create({ model: 'gpt-4.1', input: 'cut', stream: true });
      const types: string[] = [];
      await expect(
        (async () => {
          for await (const ev of stream) types.push(ev.type);
        })(),
      ).rejects.toThrow();
      expect(types).toEqual(['response.created', 'response.in_progress']);
    });

    it('hugeBodyBytes returns a large valid JSON body', async () => {
      const size = 3 * 1024 * 1024 + 123;
      fake.setFault({ hugeBodyBytes: size, times: 1 });
      const res = await get('/models');
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text.length).toBe(size);
      expect((JSON.parse(text) as { object: string }).object).toBe('fake.huge');
      expect(fake.sentBodies.get('GET /v1/models')!.length).toBe(size);
    });
  });

  it('detects a client abort mid-stream, stops writing, and waitForAbort resolves', async () => {
    const slow = await startFakeUpstream({ eventDelayMs: 20, textDeltas: 50 });
    try {
      await expect(slow.waitForAbort(30)).rejects.toThrow(/no aborted request/);
      const ac = new AbortController();
      const res = await fetch(`${slow.url}/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${slow.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4.1', input: 'long', stream: true }),
        signal: ac.signal,
      });
      const reader = res.body!.getReader();
      const first = await reader.read();
      const tFirst = performance.now();
      expect(new TextDecoder().decode(first.value)).toMatch(/^event: response\.created\n/);
      // events are paced (eventDelayMs = 20), not buffered: the next one arrives later
      const second = await reader.read();
      expect(second.done).toBe(false);
      expect(performance.now() - tFirst).toBeGreaterThanOrEqual(12);
      const t0 = performance.now();
      ac.abort();
      const abort = await slow.waitForAbort(2000);
      expect(abort.url).toBe('/v1/responses');
      expect(abort.at).toBeGreaterThanOrEqual(t0);
      expect(slow.aborts).toHaveLength(1);
      const sentAtAbort = slow.sentBodies.get('POST /v1/responses')!.length;
      await sleep(80);
      expect(slow.sentBodies.get('POST /v1/responses')!.length).toBe(sentAtAbort);
      expect(sentAtAbort).toBeLessThan(2000);

      // a completed request is not an abort
      await (await fetch(`${slow.url}/models`, { headers: { authorization: `Bearer ${slow.apiKey}` } })).arrayBuffer();
      await sleep(20);
      expect(slow.aborts).toHaveLength(1);

      // aborting while the fake is still holding headers back is detected too
      slow.setFault({ slowHeadersMs: 500 });
      const ac2 = new AbortController();
      const p = fetch(`${slow.url}/models`, { headers: { authorization: `Bearer ${slow.apiKey}` }, signal: ac2.signal }).catch(() => 'aborted');
      await sleep(30);
      ac2.abort();
      expect(await p).toBe('aborted');
      expect((await slow.waitForAbort(1000)).url).toBe('/v1/models');
    } finally {
      await slow.close();
    }
  });

  it('close() destroys open connections and stops background work', async () => {
    const f = await startFakeUpstream({ backgroundStepMs: 1000 });
    const c = new OpenAI({ baseURL: f.url, apiKey: f.apiKey, maxRetries: 0 });
    const bg = await c.responses.create({ model: 'gpt-4.1', input: 'x', background: true });
    expect(f.responses.get(bg.id)).toMatchObject({ status: 'queued' });
    expect(f.openConnections()).toBeGreaterThanOrEqual(1);
    const t0 = performance.now();
    await f.close();
    expect(performance.now() - t0).toBeLessThan(500);
    expect(f.openConnections()).toBe(0);
    await expect(fetch(`${f.url}/models`)).rejects.toThrow();

    // background timers are cleared: a queued response never progresses after close()
    const g = await startFakeUpstream({ backgroundStepMs: 20 });
    const cg = new OpenAI({ baseURL: g.url, apiKey: g.apiKey, maxRetries: 0 });
    const q = await cg.responses.create({ model: 'gpt-4.1', input: 'x', background: true });
    await g.close();
    await sleep(80);
    expect(g.responses.get(q.id)).toMatchObject({ status: 'queued' });
  });
});

describe('fake upstream with toolCalls', () => {
  it('answers `call <name> <args>` with a function call, and a function_call_output with its echo', async () => {
    const fake = await startFakeUpstream({ eventDelayMs: 1, toolCalls: true });
    try {
      const client = new OpenAI({ baseURL: fake.url, apiKey: fake.apiKey, maxRetries: 0, timeout: 5000 });
      const events: string[] = [];
      const stream = await client.responses.create({ model: 'gpt-5', input: 'call exec_command {"cmd":"ls"}', stream: true, store: false });
      let first: OpenAI.Responses.Response | undefined;
      for await (const e of stream) {
        events.push(e.type);
        if (e.type === 'response.completed') first = e.response;
      }
      expect(events).toEqual([
        'response.created',
        'response.in_progress',
        'response.output_item.added',
        'response.function_call_arguments.delta',
        'response.function_call_arguments.done',
        'response.output_item.done',
        'response.completed',
      ]);
      const call = first!.output[0] as OpenAI.Responses.ResponseFunctionToolCall;
      expect(call).toMatchObject({ type: 'function_call', name: 'exec_command', arguments: '{"cmd":"ls"}', status: 'completed' });
      const second = await client.responses.create({
        model: 'gpt-5',
        input: [{ role: 'user', content: 'call exec_command {"cmd":"ls"}' }, call, { type: 'function_call_output', call_id: call.call_id, output: 'a.txt' }],
      });
      expect(second.output_text).toBe('Echo: a.txt');
      // Plain text still echoes.
      expect((await client.responses.create({ model: 'gpt-5', input: 'hello' })).output_text).toBe('Echo: hello');
    } finally {
      await fake.close();
    }
  });
});
