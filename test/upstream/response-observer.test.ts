import { describe, expect, it } from 'vitest';
import { observeResponse, type ObservedKind } from '../../src/upstream/response-observer.js';

function run(kind: ObservedKind, contentType: string, chunks: string[], complete = true, status = 200) {
  const ids: string[] = [];
  const observer = observeResponse(kind, (id) => ids.push(id));
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

  it('records nothing for a response cut short, an error status or a body without an id', () => {
    expect(run('responses', 'application/json', [body.slice(0, 30)], false).ids).toEqual([]);
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
});
