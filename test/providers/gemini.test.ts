// The gemini provider on its own: credentials, usageMetadata read from JSON bodies, SSE
// (`alt=sse`) and streamed JSON arrays as they pass the observer in arbitrary chunks, and the
// connection probe (Google's model list and error envelope).
import { describe, expect, it } from 'vitest';
import { JsonArrayItems } from '../../src/lib/json/json-array-items.js';
import { observeAnswer } from '../../src/pipeline/observe.js';
import { gemini } from '../../src/providers/gemini/index.js';
import { readGeminiModels } from '../../src/providers/gemini/probe.js';
import { readGeminiUsage } from '../../src/providers/gemini/usage.js';
import { googleCompact } from '../support/fake-gemini.js';

const none = { openaiOrganization: null, openaiProject: null };
const reader = gemini.reader('gemini');

const chunk = (text: string, usage: object) => ({ candidates: [{ content: { parts: [{ text }], role: 'model' }, index: 0 }], usageMetadata: usage, modelVersion: 'm' });
const CHUNKS = [
  chunk('Hel', { promptTokenCount: 7, totalTokenCount: 7 }),
  chunk('lo "quoted" [x] {y}', { promptTokenCount: 7, totalTokenCount: 7 }),
  chunk('!', { promptTokenCount: 7, candidatesTokenCount: 3, thoughtsTokenCount: 11, cachedContentTokenCount: 4, totalTokenCount: 21 }),
];
const FINAL = { inputTokens: 7, outputTokens: 14, reasoningTokens: 11, cachedTokens: 4 };

/** Passes `bytes` through an observer in pieces of `size` bytes; returns what it observed. */
function observe(bytes: Buffer, contentType: string, size: number) {
  const observer = observeAnswer(reader);
  observer.start(200, contentType);
  for (let i = 0; i < bytes.length; i += size) observer.data(bytes.subarray(i, i + size));
  observer.end(true);
  return observer.observed;
}

describe('gemini credentials', () => {
  it('sends the stored key as x-goog-api-key, and nothing without one', () => {
    expect(gemini.upstreamHeaders('AIza-key', none)).toEqual(['x-goog-api-key', 'AIza-key']);
    expect(gemini.upstreamHeaders(null, none)).toEqual([]);
    expect(gemini.endpoints).toEqual(['gemini']);
  });
});

describe('gemini usage', () => {
  it('maps usageMetadata: output = candidates + thoughts, input = prompt + tool-use prompt', () => {
    expect(readGeminiUsage({ promptTokenCount: 5, candidatesTokenCount: 2, thoughtsTokenCount: 3, cachedContentTokenCount: 1, toolUsePromptTokenCount: 4, totalTokenCount: 14 })).toEqual({
      usage: { inputTokens: 9, outputTokens: 5, reasoningTokens: 3, cachedTokens: 1 },
      malformed: false,
    });
    expect(readGeminiUsage({ promptTokenCount: 5, totalTokenCount: 5 }).usage).toEqual({ inputTokens: 5, outputTokens: 0, reasoningTokens: null, cachedTokens: null });
    expect(readGeminiUsage({ totalTokens: 5 }).usage).toBeUndefined();
    expect(readGeminiUsage(null).usage).toBeUndefined();
  });

  it('refuses counts that are not non-negative integers, and says so', () => {
    const reading = readGeminiUsage({ promptTokenCount: -1, candidatesTokenCount: 2 });
    expect(reading.malformed).toBe(true);
    expect(reading.usage).toEqual({ inputTokens: null, outputTokens: 2, reasoningTokens: null, cachedTokens: null });
  });
});

describe('gemini answers as they pass', () => {
  const sse = Buffer.from(CHUNKS.map((c) => `data: ${googleCompact(c)}\r\n\r\n`).join(''));
  const array = Buffer.from(`[${CHUNKS.map((c) => JSON.stringify(c, null, 2)).join('\r\n,\r\n')}\n]`);
  const json = Buffer.from(JSON.stringify({ ...CHUNKS[2], modelVersion: 'm', responseId: 'r1' }, null, 2));

  it.each([1, 3, 17, 1 << 20])('reads the last usageMetadata of an SSE stream (pieces of %i bytes)', (size) => {
    expect(observe(sse, 'text/event-stream', size)).toMatchObject({ stream: true, usage: FINAL });
  });

  it.each([1, 3, 17, 1 << 20])('reads a streamed JSON array element by element (pieces of %i bytes)', (size) => {
    expect(observe(array, 'application/json; charset=UTF-8', size)).toMatchObject({ stream: true, usage: FINAL });
  });

  it('reads a JSON body, whose usageMetadata is followed by other fields', () => {
    expect(observe(json, 'application/json; charset=UTF-8', 1 << 20)).toMatchObject({ stream: false, usage: FINAL });
    expect(observe(json, 'application/json', 5)).toMatchObject({ stream: false, usage: FINAL });
  });

  it('an answer without usage (countTokens, embeddings) records none', () => {
    expect(observe(Buffer.from('{"totalTokens": 5}'), 'application/json', 4).usage).toBeUndefined();
    expect(observe(Buffer.from('{"embeddings": [{"values": [0.1, 0.2]}]}'), 'application/json', 4).usage).toBeUndefined();
  });
});

describe('JsonArrayItems', () => {
  const split = (text: string, size: number, max = 1 << 20) => {
    const got: string[] = [];
    const items = new JsonArrayItems((b) => got.push(b.toString('utf8')), max);
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += size) items.write(bytes.subarray(i, i + size));
    return got;
  };

  it.each([1, 2, 7, 100])('hands over each element whole, strings with brackets and escapes included (pieces of %i)', (size) => {
    const text = ' [ {"a":"x]}\\"{"} ,\r\n[1,{"b":2}], 3, "s]", {"c":{}} ] trailing';
    expect(split(text, size)).toEqual(['{"a":"x]}\\"{"}', '[1,{"b":2}]', '{"c":{}}']);
  });

  it('skips an element over its bound, and anything that is no array', () => {
    expect(split('[{"a":"long text"},{"b":1}]', 3, 10)).toEqual(['{"b":1}']);
    expect(split('{"a":[{"b":1}]}', 4)).toEqual([]);
  });
});

describe('gemini probe', () => {
  const { probe } = gemini;

  it('lists models with x-goog-api-key and reads ids without the models/ prefix', () => {
    expect(probe.listModels('AIza-k')).toMatchObject({ method: 'GET', path: '/models', headers: { 'x-goog-api-key': 'AIza-k' } });
    expect(probe.listModels(null).headers).toEqual({});
    const list = JSON.stringify({ models: [{ name: 'models/gemini-2.5-pro' }, { name: 'models/gemini-2.5-flash' }, { name: 'tunedModels/t1' }, { displayName: 'x' }], nextPageToken: 'p' });
    expect(probe.readModels(list)).toEqual(['gemini-2.5-flash', 'gemini-2.5-pro', 'tunedModels/t1']);
    expect(readGeminiModels('{"data":[]}')).toBeUndefined();
    expect(readGeminiModels('not json')).toBeUndefined();
  });

  it('tests a model with generateContent, or without one lists the models', () => {
    const req = probe.testConnection('AIza-k', 'gemini-2.5-flash');
    expect(req).toMatchObject({ method: 'POST', path: '/models/gemini-2.5-flash:generateContent', headers: { 'x-goog-api-key': 'AIza-k', 'content-type': 'application/json' } });
    expect(JSON.parse(req.body!).contents[0].parts[0].text).toMatch(/OK/);
    expect(probe.testConnection('AIza-k').path).toBe('/models');
  });

  it("reads Google's error envelope", () => {
    const body = JSON.stringify({ error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT', details: [] } });
    expect(probe.readError(400, body)).toBe('API key not valid. Please pass a valid API key.');
    expect(probe.readError(503, '')).toBe('HTTP 503');
  });
});
