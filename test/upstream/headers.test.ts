import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, upstreamRequestHeaders } from '../../src/upstream/headers.js';

const pairs = (flat: string[]) => {
  const out: [string, string][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i]!, flat[i + 1]!]);
  return out;
};

describe('header policy', () => {
  it('replaces client credentials with the API key and drops hop-by-hop headers', () => {
    const raw = [
      'Host', 'localhost:1135',
      'Authorization', 'Bearer sk-bodhiapp_client',
      'Cookie', 'session=1',
      'X-Api-Key', 'k',
      'Connection', 'keep-alive, X-Secret-Hop',
      'X-Secret-Hop', 'x',
      'Content-Type', 'application/json',
      'Content-Length', '99',
      'OpenAI-Beta', 'responses=v1',
      'X-Stainless-Lang', 'js',
      'Accept-Encoding', 'gzip, br',
      'X-Bodhi-Internal', 'y',
    ];
    const out = pairs(upstreamRequestHeaders(raw, 'Bearer sk-upstream', 12));
    expect(out).toEqual([
      ['Content-Type', 'application/json'],
      ['OpenAI-Beta', 'responses=v1'],
      ['X-Stainless-Lang', 'js'],
      ['authorization', 'Bearer sk-upstream'],
      ['content-length', '12'],
      ['accept-encoding', 'identity'],
    ]);
  });

  it('sends no authorization when the API model has no key', () => {
    const out = upstreamRequestHeaders(['Authorization', 'Bearer client'], null, null);
    expect(out.map((h) => h.toLowerCase())).not.toContain('authorization');
  });

  it('drops set-cookie and hop-by-hop response headers, keeps the rest in order', () => {
    const raw = ['content-type', 'text/event-stream; charset=utf-8', 'set-cookie', 'a=b', 'x-request-id', 'req_1', 'transfer-encoding', 'chunked', 'connection', 'keep-alive', 'retry-after', '7', 'openai-processing-ms', '12'].map((s) => Buffer.from(s));
    const info = clientResponseHeaders(raw);
    expect(info.contentType).toBe('text/event-stream; charset=utf-8');
    expect(pairs(info.headers)).toEqual([
      ['content-type', 'text/event-stream; charset=utf-8'],
      ['x-request-id', 'req_1'],
      ['retry-after', '7'],
      ['openai-processing-ms', '12'],
    ]);
  });
});
