import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { observeAnswer, type OnResponseId } from '../../src/pipeline/observe.js';
import { chatAnswers } from '../../src/providers/openai/answers.js';
import { responsesAnswers } from '../../src/providers/openai_responses/answers.js';

type ObservedKind = 'responses' | 'chat' | 'embeddings';
/** The observer with the reader of each endpoint family's provider. */
const observeResponse = (kind: ObservedKind, onId?: OnResponseId) => observeAnswer(kind === 'responses' ? responsesAnswers : chatAnswers, onId);

function run(kind: ObservedKind, contentType: string, chunks: string[], complete = true, status = 200) {
  const ids: string[] = [];
  const observer = observeResponse(kind, (id) => void ids.push(id));
  observer.start(status, contentType);
  for (const c of chunks) observer.data(Buffer.from(c));
  observer.end(complete);
  return { ids, observed: observer.observed };
}

const cuts = (s: string, ...at: number[]) => [0, ...at, s.length].slice(1).map((end, i, all) => s.slice(i === 0 ? 0 : all[i - 1], end));

describe('observeResponse', () => {
  const usage = { input_tokens: 11, input_tokens_details: { cached_tokens: 2 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 3 }, total_tokens: 18 };
  const body = JSON.stringify({ id: 'resp_abc', object: 'response', status: 'completed', output: [{ id: 'msg_1', type: 'message', content: [{ text: 'a "quoted" } text' }] }], usage });
  const expectedUsage = { inputTokens: 11, outputTokens: 7, reasoningTokens: 3, cachedTokens: 2 };

  it('learns id, status and usage of a complete JSON response, whatever the chunking', () => {
    for (const chunks of [[body], cuts(body, 9, 40), cuts(body, 3, body.length - 5)]) {
      const { ids, observed } = run('responses', 'application/json; charset=utf-8', chunks);
      expect(ids).toEqual(['resp_abc']);
      expect(observed).toEqual({ httpStatus: 200, stream: false, responseId: 'resp_abc', status: 'completed', usage: expectedUsage });
    }
  });

  it('records nothing for an error status or a body without an id; a body cut short after its id still gets a record', () => {
    // The record is written before the id reaches the client, so before it is known how the body ends.
    const cut = run('responses', 'application/json', [body.slice(0, 30)], false);
    expect(cut.ids).toEqual(['resp_abc']);
    expect(cut.observed).toEqual({ httpStatus: 200, stream: false });
    expect(run('responses', 'application/json', [body], true, 400).observed).toEqual({ httpStatus: 400, stream: false });
    expect(run('responses', 'application/json', ['{"object":"list","data":[]}']).ids).toEqual([]);
  });

  it('learns the id from response.created and the usage from the terminal event of a stream', () => {
    const sse =
      'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_s1","status":"in_progress","usage":null}}\n\n' +
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":1,"delta":"hi"}\n\n' +
      `event: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', sequence_number: 2, response: { id: 'resp_s1', status: 'completed', usage } })}\n\n`;
    for (const chunks of [[sse], cuts(sse, 20, 150, 200), sse.split('')]) {
      const { ids, observed } = run('responses', 'text/event-stream', chunks);
      expect(ids).toEqual(['resp_s1']);
      expect(observed).toMatchObject({ stream: true, responseId: 'resp_s1', status: 'completed', usage: expectedUsage });
    }
  });

  it('finds the terminal event among many events in one chunk, whichever way the stream ended', () => {
    const created = 'event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_m1","status":"in_progress","usage":null}}\n\n';
    // Delta text that mentions a terminal type: escaped inside a string, so never a match.
    const delta = (n: number) => `event: response.output_text.delta\ndata: ${JSON.stringify({ type: 'response.output_text.delta', sequence_number: n, delta: '"type":"response.completed" is how a stream ends' })}\n\n`;
    const deltas = Array.from({ length: 50 }, (_, n) => delta(n + 1)).join('');
    for (const status of ['completed', 'failed', 'incomplete']) {
      const end = `event: response.${status}\ndata: ${JSON.stringify({ type: `response.${status}`, sequence_number: 51, response: { id: 'resp_m1', status, usage } })}\n\n`;
      const sse = created + deltas + end;
      for (const chunks of [[sse], cuts(sse, created.length + 7, sse.length - end.length + 30), cuts(sse, 100, sse.length - 40)]) {
        const { ids, observed } = run('responses', 'text/event-stream', chunks);
        expect(ids).toEqual(['resp_m1']);
        expect(observed).toMatchObject({ stream: true, responseId: 'resp_m1', status, usage: expectedUsage });
      }
    }
    // Without a terminal event the stream reports no usage, however many deltas mention one.
    expect(run('responses', 'text/event-stream', [created + deltas]).observed).toMatchObject({ responseId: 'resp_m1', status: 'in_progress' });
    expect(run('responses', 'text/event-stream', [created + deltas]).observed.usage).toBeUndefined();
  });

  it('finds the chat usage chunk after many chunks in one read', () => {
    const chunk = (n: number) => `data: ${JSON.stringify({ id: 'c1', choices: [{ index: 0, delta: { content: `"usage":{ ${n}` } }], usage: null })}\n\n`;
    const last = 'data: {"id":"c1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":4,"total_tokens":13}}\n\ndata: [DONE]\n\n';
    const sse = Array.from({ length: 40 }, (_, n) => chunk(n)).join('') + last;
    for (const chunks of [[sse], cuts(sse, 500, sse.length - 60)]) {
      expect(run('chat', 'text/event-stream', chunks).observed.usage).toEqual({ inputTokens: 9, outputTokens: 4, reasoningTokens: null, cachedTokens: null });
    }
  });

  it('reads chat usage from the include_usage chunk and embeddings usage from JSON', () => {
    const chat = 'data: {"choices":[{"delta":{"content":"x"}}],"usage":null}\n\ndata: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7,"completion_tokens_details":{"reasoning_tokens":1}}}\n\ndata: [DONE]\n\n';
    expect(run('chat', 'text/event-stream', cuts(chat, 30, 90)).observed.usage).toEqual({ inputTokens: 5, outputTokens: 2, reasoningTokens: 1, cachedTokens: null });
    const emb = '{"object":"list","data":[{"embedding":[0.1,0.2],"index":0}],"usage":{"prompt_tokens":4,"total_tokens":4}}';
    expect(run('embeddings', 'application/json', [emb]).observed.usage).toEqual({ inputTokens: 4, outputTokens: 0, reasoningTokens: null, cachedTokens: null });
  });

  it('reads id, status and usage of Responses and chat JSON bodies over 256 KiB sent in 64 KiB chunks', () => {
    const filler = 'x'.repeat(300 * 1024);
    const big = JSON.stringify({ id: 'resp_big', object: 'response', status: 'completed', output: [{ type: 'message', content: [{ text: filler }] }], usage });
    const in64k = (s: string) => Array.from({ length: Math.ceil(s.length / 65536) }, (_, i) => s.slice(i * 65536, (i + 1) * 65536));
    for (const withRecord of [true, false]) {
      const observer = observeResponse('responses', withRecord ? () => undefined : undefined);
      observer.start(200, 'application/json');
      for (const c of in64k(big)) observer.data(Buffer.from(c));
      observer.end(true);
      expect(observer.observed).toEqual({ httpStatus: 200, stream: false, responseId: 'resp_big', status: 'completed', usage: expectedUsage });
    }
    // Chat holds small bodies and switches to the scanner past 256 KiB: the chunks held so far must be replayed.
    const chat = JSON.stringify({ id: 'chatcmpl-1', choices: [{ message: { content: filler } }], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } });
    expect(run('chat', 'application/json', in64k(chat)).observed.usage).toEqual({ inputTokens: 9, outputTokens: 4, reasoningTokens: null, cachedTokens: null });
  });

  it('asks for the record before handing on the chunk that completes the id, and waits for it', () => {
    let recorded: (() => void) | undefined;
    const seen: string[] = [];
    const observer = observeResponse('responses', (id) => {
      seen.push(id);
      return new Promise<void>((resolve) => (recorded = resolve));
    });
    observer.start(200, 'application/json');
    expect(observer.data(Buffer.from('{"id":"resp_a'))).toBeUndefined(); // the id is not complete yet
    const gate = observer.data(Buffer.from('bc","status":"queued"'));
    expect(seen).toEqual(['resp_abc']);
    expect(gate).toBeInstanceOf(Promise);
    expect(observer.data(Buffer.from(',"usage":null}'))).toBeUndefined(); // asked once
    recorded!();

    const sse = 'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_s","status":"in_progress"}}\n\n';
    const streamIds: string[] = [];
    const stream = observeResponse('responses', (id) => {
      streamIds.push(id);
      return Promise.resolve();
    });
    stream.start(200, 'text/event-stream');
    expect(stream.data(Buffer.from(sse.slice(0, 60)))).toBeUndefined();
    expect(stream.data(Buffer.from(sse.slice(60)))).toBeInstanceOf(Promise);
    expect(streamIds).toEqual(['resp_s']);

    // A raw client can read the id before the event's blank line: the chunk that completes the
    // id in the data line is the one held back.
    const early: string[] = [];
    const raw = observeResponse('responses', (id) => {
      early.push(id);
      return Promise.resolve();
    });
    raw.start(200, 'text/event-stream');
    const idEnd = sse.indexOf('resp_s') + 'resp_s"'.length;
    expect(raw.data(Buffer.from(sse.slice(0, idEnd - 1)))).toBeUndefined(); // closing quote not there yet
    expect(raw.data(Buffer.from(sse.slice(idEnd - 1, idEnd + 3)))).toBeInstanceOf(Promise);
    expect(early).toEqual(['resp_s']);
    expect(raw.data(Buffer.from(sse.slice(idEnd + 3)))).toBeUndefined();
  });

  it('finds an id written after 64 KiB of other fields before the body ends', () => {
    const late = JSON.stringify({ object: 'response', output: [{ text: 'y'.repeat(100 * 1024) }], id: 'resp_late', status: 'completed', usage });
    const seen: string[] = [];
    const observer = observeResponse('responses', (id) => void seen.push(id));
    observer.start(200, 'application/json');
    const cut = late.indexOf('resp_late') + 4;
    for (const c of cuts(late, 16_384, 50_000, 90_000, cut)) observer.data(Buffer.from(c));
    expect(seen).toEqual(['resp_late']); // before the end, and before the last chunk
    observer.end(true);
    expect(observer.observed).toMatchObject({ responseId: 'resp_late', status: 'completed', usage: expectedUsage });
  });

  it('ignores usage counts that are not non-negative integers and says the usage was malformed', () => {
    const bad = JSON.stringify({ id: 'resp_bad', status: 'completed', usage: { input_tokens: 3, output_tokens: -5, output_tokens_details: { reasoning_tokens: 1.5 }, input_tokens_details: { cached_tokens: 1e300 } } });
    expect(run('responses', 'application/json', [bad]).observed).toMatchObject({
      usage: { inputTokens: 3, outputTokens: null, reasoningTokens: null, cachedTokens: null },
      malformedUsage: true,
    });
    const huge = JSON.stringify({ id: 'resp_huge', status: 'completed', usage: { input_tokens: 2 ** 31, output_tokens: 2 ** 31 - 1 } });
    expect(run('responses', 'application/json', [huge]).observed).toMatchObject({ usage: { inputTokens: null, outputTokens: 2 ** 31 - 1 }, malformedUsage: true });
    const badCompletion = 'data: {"choices":[],"usage":{"prompt_tokens":9,"completion_tokens":-1,"total_tokens":8}}\n\n';
    expect(run('chat', 'text/event-stream', [badCompletion]).observed).toMatchObject({ usage: { inputTokens: 9, outputTokens: null }, malformedUsage: true });
    const chat = 'data: {"choices":[],"usage":{"prompt_tokens":"9","completion_tokens":4}}\n\n';
    expect(run('chat', 'text/event-stream', [chat]).observed).toMatchObject({ usage: { inputTokens: null, outputTokens: 4 }, malformedUsage: true });
    expect(run('responses', 'application/json', [body]).observed.malformedUsage).toBeUndefined();
  });

  it('reads compressed answers (gzip, deflate, br) while the caller passes the bytes on as they are', async () => {
    const sse =
      'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_z","status":"in_progress","usage":null}}\n\n' +
      `event: response.completed\ndata: ${JSON.stringify({ type: 'response.completed', response: { id: 'resp_z', status: 'completed', usage } })}\n\n`;
    for (const [encoding, compress] of [['gzip', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]] as const) {
      for (const [contentType, text] of [['application/json', body], ['text/event-stream', sse]] as const) {
        const ids: string[] = [];
        const observer = observeResponse('responses', (id) => void ids.push(id));
        observer.start(200, contentType, encoding);
        const bytes = compress(Buffer.from(text));
        for (let i = 0; i < bytes.length; i += 7) await observer.data(bytes.subarray(i, i + 7));
        await observer.end(true);
        expect(ids, `${encoding} ${contentType}`).toEqual([contentType === 'application/json' ? 'resp_abc' : 'resp_z']);
        expect(observer.observed.usage, `${encoding} ${contentType}`).toEqual(expectedUsage);
      }
    }
    // Something that does not inflate is just not read.
    const broken = observeResponse('responses');
    broken.start(200, 'application/json', 'gzip');
    await broken.data(Buffer.from('not gzip at all'));
    await broken.end(true);
    expect(broken.observed.usage).toBeUndefined();
  });
});
