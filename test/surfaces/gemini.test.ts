// The Gemini surface's own rules, without a server: the path tail split into model and method,
// the query forwarded without `key`, and where the gateway token is read from.
import type { FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { redactSecrets } from '../../src/observability/redact.js';
import { geminiCredential } from '../../src/surfaces/gemini/index.js';
import { splitModelMethod, upstreamPath } from '../../src/surfaces/gemini/methods.js';
import { withoutKey } from '../../src/surfaces/gemini/query.js';

describe('model and method from the path', () => {
  it('splits at the last colon: ids may contain / and :', () => {
    expect(splitModelMethod('gemini-2.5-flash:generateContent')).toEqual({ model: 'gemini-2.5-flash', method: 'generateContent' });
    expect(splitModelMethod('gem/gemini-2.5-flash:streamGenerateContent')).toEqual({ model: 'gem/gemini-2.5-flash', method: 'streamGenerateContent' });
    expect(splitModelMethod('a/b:v1:countTokens')).toEqual({ model: 'a/b:v1', method: 'countTokens' });
    for (const m of ['embedContent', 'batchEmbedContents']) expect(splitModelMethod(`m:${m}`).method).toBe(m);
  });

  it('an unknown method is a 404, a missing one or an empty model a 400', () => {
    expect(() => splitModelMethod('m:predict')).toThrow(expect.objectContaining({ status: 404, message: expect.stringContaining("Method 'predict'") }));
    expect(() => splitModelMethod('gemini-2.5-flash')).toThrow(expect.objectContaining({ status: 400 }));
    expect(() => splitModelMethod(':generateContent')).toThrow(expect.objectContaining({ status: 400 }));
  });

  it('builds the upstream path, encoding what would end or escape it', () => {
    expect(upstreamPath('gemini-2.5-flash', 'generateContent')).toBe('/models/gemini-2.5-flash:generateContent');
    expect(upstreamPath('a?b#c%d', 'countTokens')).toBe('/models/a%3Fb%23c%25d:countTokens');
  });
});

describe('the forwarded query', () => {
  it('keeps everything but key, in order and as sent', () => {
    expect(withoutKey('')).toBe('');
    expect(withoutKey('?key=sk-bodhiapp_x')).toBe('');
    expect(withoutKey('?alt=sse&key=sk-bodhiapp_x')).toBe('?alt=sse');
    expect(withoutKey('?key=a&alt=sse&%6Bey=b&keys=1&x=%20y')).toBe('?alt=sse&keys=1&x=%20y');
    expect(withoutKey('?alt=sse')).toBe('?alt=sse');
  });

  it('a token in ?key= is redacted from logged URLs', () => {
    const url = '/v1beta/models/gem/gemini-2.5-flash:streamGenerateContent?key=sk-bodhiapp_abcdefgh12345678&alt=sse';
    expect(redactSecrets(url)).toBe('/v1beta/models/gem/gemini-2.5-flash:streamGenerateContent?key=[redacted]&alt=sse');
    expect(redactSecrets('/v1beta/models?alt=json&key=opaque-value')).toBe('/v1beta/models?alt=json&key=[redacted]');
  });
});

describe('the gateway token', () => {
  const req = (headers: Record<string, string>, query: Record<string, unknown> = {}) => ({ headers, query }) as unknown as FastifyRequest;
  it('is read from Authorization, x-goog-api-key or ?key=, in that order', () => {
    expect(geminiCredential(req({ authorization: 'Bearer a', 'x-goog-api-key': 'b' }, { key: 'c' }))).toBe('Bearer a');
    expect(geminiCredential(req({ 'x-goog-api-key': 'b' }, { key: 'c' }))).toBe('Bearer b');
    expect(geminiCredential(req({}, { key: 'c' }))).toBe('Bearer c');
    expect(geminiCredential(req({}, { key: ['c', 'd'] }))).toBeUndefined();
    expect(geminiCredential(req({}))).toBeUndefined();
  });
});
