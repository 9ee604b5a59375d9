// Each provider descriptor on its own: credentials, endpoints, and how its answers are read.
import { describe, expect, it } from 'vitest';
import { API_FORMATS } from '../../src/domain/formats.js';
import { ENDPOINT_FORMAT, FORMAT_LABELS, PROVIDERS } from '../../src/providers/index.js';
import { chatAnswers } from '../../src/providers/openai/answers.js';
import { readOpenAiUsage } from '../../src/providers/openai/usage.js';
import { responsesAnswers } from '../../src/providers/openai_responses/answers.js';
import { Marker } from '../../src/upstream/sse.js';

const none = { openaiOrganization: null, openaiProject: null };

describe('provider registry', () => {
  it('has one provider per api_format, each endpoint family served by exactly one format', () => {
    expect(Object.keys(PROVIDERS).sort()).toEqual([...API_FORMATS].sort());
    for (const format of API_FORMATS) expect(PROVIDERS[format].format).toBe(format);
    expect(ENDPOINT_FORMAT).toEqual({ chat: 'openai', embeddings: 'openai', responses: 'openai_responses', messages: 'anthropic', gemini: 'gemini' });
    expect(FORMAT_LABELS).toEqual({ openai: 'OpenAI - Completions', openai_responses: 'OpenAI - Responses', anthropic: 'Anthropic - Messages', gemini: 'Google - Gemini' });
  });
});

describe.each(['openai', 'openai_responses'] as const)('%s credentials', (format) => {
  const provider = PROVIDERS[format];
  it('sends the key as a Bearer token, and the account headers only when set', () => {
    expect(provider.upstreamHeaders('sk-1', none)).toEqual(['authorization', 'Bearer sk-1']);
    expect(provider.upstreamHeaders(null, none)).toEqual([]);
    expect(provider.upstreamHeaders('sk-1', { openaiOrganization: 'org-1', openaiProject: 'proj-1' })).toEqual([
      'authorization',
      'Bearer sk-1',
      'OpenAI-Organization',
      'org-1',
      'OpenAI-Project',
      'proj-1',
    ]);
  });
});

/** What a reader hands its sink. */
function collect() {
  const got: { id?: unknown; status?: unknown; usage?: unknown } = {};
  return { got, sink: { responseId: (v: unknown) => (got.id = v), status: (v: unknown) => (got.status = v), usage: (v: unknown) => (got.usage = v) } };
}

describe('openai answers (chat, embeddings)', () => {
  it('reads prompt_tokens usage; embeddings without completion_tokens produced none', () => {
    expect(readOpenAiUsage({ prompt_tokens: 5, completion_tokens: 2, completion_tokens_details: { reasoning_tokens: 1 }, prompt_tokens_details: { cached_tokens: 3 } })).toEqual({
      usage: { inputTokens: 5, outputTokens: 2, reasoningTokens: 1, cachedTokens: 3 },
      malformed: false,
    });
    expect(readOpenAiUsage({ prompt_tokens: 4, total_tokens: 4 }).usage).toEqual({ inputTokens: 4, outputTokens: 0, reasoningTokens: null, cachedTokens: null });
    expect(readOpenAiUsage({ total_tokens: 4 }).usage).toBeUndefined();
  });

  it('refuses counts that are not non-negative 32-bit integers, and says so', () => {
    for (const bad of [-1, 1.5, 2 ** 31, '7', Number.NaN]) {
      const reading = readOpenAiUsage({ prompt_tokens: bad, completion_tokens: 1 });
      expect(reading.malformed).toBe(true);
      expect(reading.usage?.inputTokens).toBeNull();
    }
  });

  it('parses only stream events that carry usage, and reads usage from the end of a JSON body', () => {
    const marker = new Marker(chatAnswers.eventMarker);
    const delta = Buffer.from('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n');
    const last = Buffer.from('data: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2}}\n\n');
    expect(chatAnswers.wantsEvent(marker, delta, 0, delta.length, { stream: true })).toBe(false);
    expect(chatAnswers.wantsEvent(new Marker(chatAnswers.eventMarker), last, 0, last.length, { stream: true })).toBe(true);
    const { got, sink } = collect();
    chatAnswers.readEvent({ usage: { prompt_tokens: 1 } }, sink);
    expect(got).toEqual({ usage: { prompt_tokens: 1 } });
    expect(chatAnswers.jsonTail).toEqual(['usage']);
    expect(chatAnswers.createdId).toBeUndefined();
  });
});

describe('openai_responses answers', () => {
  it('reads input_tokens usage with its details (either shape is read on every endpoint)', () => {
    expect(readOpenAiUsage({ input_tokens: 11, input_tokens_details: { cached_tokens: 2 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 3 } })).toEqual({
      usage: { inputTokens: 11, outputTokens: 7, reasoningTokens: 3, cachedTokens: 2 },
      malformed: false,
    });
    expect(chatAnswers.readUsage).toBe(responsesAnswers.readUsage);
  });

  it('reads every event until the id is known, then only the terminal ones', () => {
    const delta = Buffer.from('data: {"type":"response.output_text.delta","delta":"x"}\n\n');
    const done = Buffer.from('data: {"type":"response.completed","response":{"id":"r","status":"completed"}}\n\n');
    const incomplete = Buffer.from('data: {"type":"response.incomplete","response":{}}\n\n');
    const m = () => new Marker(responsesAnswers.eventMarker);
    expect(responsesAnswers.wantsEvent(m(), delta, 0, delta.length, { stream: true })).toBe(true);
    const known = { stream: true, responseId: 'r' };
    expect(responsesAnswers.wantsEvent(m(), delta, 0, delta.length, known)).toBe(false);
    expect(responsesAnswers.wantsEvent(m(), done, 0, done.length, known)).toBe(true);
    expect(responsesAnswers.wantsEvent(m(), incomplete, 0, incomplete.length, known)).toBe(true);
  });

  it("hands over a created event's response fields and finds an id in an unfinished created event", () => {
    const { got, sink } = collect();
    responsesAnswers.readEvent({ type: 'response.created', response: { id: 'resp_1', status: 'in_progress', usage: null } }, sink);
    expect(got).toEqual({ id: 'resp_1', status: 'in_progress', usage: null });
    const partial = 'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_2","sta';
    expect(responsesAnswers.createdId!.inUnfinishedEvent.exec(partial)?.[1]).toBe('resp_2');
    expect(responsesAnswers.createdId!.inUnfinishedEvent.exec('data: {"response":{"id":"resp_')).toBeNull();
    expect(responsesAnswers.jsonHead).toEqual(['id', 'status']);
  });
});
