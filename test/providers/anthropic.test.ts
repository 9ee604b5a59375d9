// The `anthropic` provider on its own: credentials, usage as Anthropic reports it (JSON body;
// message_start + message_delta in a stream, counted once), and the connection probe.
import { describe, expect, it } from 'vitest';
import { observeAnswer } from '../../src/pipeline/observe.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { readAnthropicUsage } from '../../src/providers/anthropic/usage.js';
import { upstreamRequestHeaders } from '../../src/upstream/headers.js';

const anthropic = PROVIDERS.anthropic;
const none = { openaiOrganization: null, openaiProject: null };
const sse = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** Feeds an answer through the observer in `size`-byte chunks and returns what it learned. */
function observe(contentType: string, text: string, size = 7) {
  const observer = observeAnswer(anthropic.reader('messages'));
  observer.start(200, contentType);
  const bytes = Buffer.from(text);
  for (let at = 0; at < bytes.length; at += size) void observer.data(bytes.subarray(at, at + size));
  void observer.end(true);
  return observer.observed;
}

const STREAM = [
  sse('message_start', {
    message: { id: 'msg_1', type: 'message', role: 'assistant', content: [], model: 'claude-x', usage: { input_tokens: 10, cache_creation_input_tokens: 4, cache_read_input_tokens: 6, output_tokens: 1 } },
  }),
  sse('ping', {}),
  sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }),
  sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: 'the word \\"usage\\": here' } }),
  sse('content_block_stop', { index: 0 }),
  sse('message_delta', { delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } }),
  sse('message_stop', {}),
].join('');

describe('anthropic credentials', () => {
  it('sends the stored key as x-api-key, and anthropic-version 2023-06-01 only when the client sent none', () => {
    expect(anthropic.upstreamHeaders('sk-ant-1', none)).toEqual(['x-api-key', 'sk-ant-1']);
    expect(anthropic.upstreamHeaders(null, none)).toEqual([]);
    const creds = anthropic.upstreamHeaders('sk-ant-1', none);
    const sent = upstreamRequestHeaders(['x-api-key', 'gateway-token', 'anthropic-version', '2026-10-21', 'anthropic-beta', 'b1'], creds, 2, anthropic.defaultHeaders);
    expect(sent).toEqual(['anthropic-version', '2026-10-21', 'anthropic-beta', 'b1', 'x-api-key', 'sk-ant-1', 'content-length', '2', 'accept-encoding', 'identity']);
    const bare = upstreamRequestHeaders(['authorization', 'Bearer gateway-token'], creds, null, anthropic.defaultHeaders);
    expect(bare).toEqual(['x-api-key', 'sk-ant-1', 'anthropic-version', '2023-06-01', 'accept-encoding', 'identity']);
  });
});

describe('anthropic usage', () => {
  it('counts cache writes and reads as input (cached = reads), output as reported', () => {
    expect(readAnthropicUsage({ input_tokens: 10, cache_creation_input_tokens: 4, cache_read_input_tokens: 6, output_tokens: 9 })).toEqual({
      usage: { inputTokens: 20, outputTokens: 9, reasoningTokens: null, cachedTokens: 6 },
      malformed: false,
    });
    expect(readAnthropicUsage({ input_tokens: 3, output_tokens: 2 }).usage).toEqual({ inputTokens: 3, outputTokens: 2, reasoningTokens: null, cachedTokens: null });
    expect(readAnthropicUsage({ input_tokens: 3, cache_read_input_tokens: null, output_tokens: 2 }).usage?.cachedTokens).toBeNull();
    expect(readAnthropicUsage({ service_tier: 'standard' }).usage).toBeUndefined();
    expect(readAnthropicUsage(null).usage).toBeUndefined();
  });

  it('refuses counts that are not non-negative integers, and says so', () => {
    const reading = readAnthropicUsage({ input_tokens: -1, cache_read_input_tokens: 2, output_tokens: 1.5 });
    expect(reading).toEqual({ usage: { inputTokens: 2, outputTokens: null, reasoningTokens: null, cachedTokens: 2 }, malformed: true });
  });

  it('reads a JSON message', () => {
    const body = JSON.stringify({ id: 'msg_1', type: 'message', content: [{ type: 'text', text: '"usage": no' }], usage: { input_tokens: 5, output_tokens: 3 } });
    expect(observe('application/json', body).usage).toEqual({ inputTokens: 5, outputTokens: 3, reasoningTokens: null, cachedTokens: null });
  });

  it('joins message_start (input side) and message_delta (output, cumulative) in a stream, whatever the chunking', () => {
    for (const size of [1, 7, 64, STREAM.length]) {
      const observed = observe('text/event-stream; charset=utf-8', STREAM, size);
      expect(observed.usage, `chunks of ${size}`).toEqual({ inputTokens: 20, outputTokens: 9, reasoningTokens: null, cachedTokens: 6 });
      expect(observed.malformedUsage).toBeUndefined();
    }
  });

  it('keeps the input side when a delta repeats it as null, and takes it when a delta sets it', () => {
    const start = sse('message_start', { message: { usage: { input_tokens: 7, output_tokens: 1 } } });
    const nulls = sse('message_delta', { delta: {}, usage: { input_tokens: null, cache_read_input_tokens: null, output_tokens: 4 } });
    expect(observe('text/event-stream', start + nulls).usage).toEqual({ inputTokens: 7, outputTokens: 4, reasoningTokens: null, cachedTokens: null });
    const set = sse('message_delta', { delta: {}, usage: { input_tokens: 8, cache_read_input_tokens: 2, output_tokens: 5 } });
    expect(observe('text/event-stream', start + nulls + set).usage).toEqual({ inputTokens: 10, outputTokens: 5, reasoningTokens: null, cachedTokens: 2 });
  });

  it('gives each answer its own reader (a stream never sees another one\'s start)', () => {
    expect(anthropic.reader('messages')).not.toBe(anthropic.reader('messages'));
    const onlyDelta = sse('message_delta', { delta: {}, usage: { output_tokens: 4 } });
    observe('text/event-stream', STREAM);
    expect(observe('text/event-stream', onlyDelta).usage).toEqual({ inputTokens: null, outputTokens: 4, reasoningTokens: null, cachedTokens: null });
  });

  it('a count_tokens answer is no usage', () => {
    expect(observe('application/json', '{"input_tokens":42}').usage).toBeUndefined();
  });
});

describe('anthropic probe', () => {
  const probe = anthropic.probe;

  it('lists models with GET /models (one big page), x-api-key and anthropic-version', () => {
    expect(probe.listModels('sk-ant-1')).toEqual({
      method: 'GET',
      path: '/models?limit=1000',
      headers: { 'x-api-key': 'sk-ant-1', 'anthropic-version': '2023-06-01' },
      what: 'GET /models',
    });
    expect(probe.listModels(null).headers).toEqual({ 'anthropic-version': '2023-06-01' });
    const page = { data: [{ type: 'model', id: 'claude-b' }, { type: 'model', id: 'claude-a' }], has_more: false, first_id: 'claude-b', last_id: 'claude-a' };
    expect(probe.readModels(JSON.stringify(page))).toEqual(['claude-a', 'claude-b']);
    expect(probe.readModels('<html>')).toBeUndefined();
  });

  it('tests a model with a one-token POST /messages; without a model, lists', () => {
    const req = probe.testConnection('sk-ant-1', 'claude-x');
    expect(req).toMatchObject({
      method: 'POST',
      path: '/messages',
      what: 'POST /messages',
      headers: { 'x-api-key': 'sk-ant-1', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    });
    expect(JSON.parse(req.body!)).toEqual({ model: 'claude-x', max_tokens: 1, messages: [{ role: 'user', content: 'Reply with the single word OK.' }] });
    expect(probe.testConnection('sk-ant-1')).toEqual(probe.listModels('sk-ant-1'));
  });

  it("reads Anthropic's error envelope", () => {
    const body = JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' }, request_id: 'req_1' });
    expect(probe.readError(401, body)).toBe('invalid x-api-key');
    expect(probe.readError(502, '')).toBe('HTTP 502');
  });
});
