import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientResponseHeaders, upstreamRequestHeaders } from '../../src/upstream/headers.js';

// The expectations are written out here, not taken from the code's own lists: dropping a name
// from DROP_FROM_CLIENT / DROP_FROM_UPSTREAM must fail these tests.
/** Hop-by-hop fields (RFC 9110 7.6.1; also keep-alive, proxy-connection and RFC 2616's "trailers" spelling). */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade', 'proxy-authorization', 'proxy-authenticate'];
/** Never forwarded from the client: hop-by-hop, its credentials, and what the gateway sets itself. */
const CLIENT_MUST_DROP = [...HOP_BY_HOP, 'expect', 'host', 'authorization', 'cookie', 'x-api-key', 'api-key', 'content-length', 'accept-encoding'];
/** Never passed back to the client. */
const UPSTREAM_MUST_DROP = [...HOP_BY_HOP, 'set-cookie', 'set-cookie2'];
/**
 * Client headers the gateway may drop or forward (its policy on them is not this test's
 * business): the billing headers an API model may set itself.
 */
const CLIENT_EITHER = ['openai-organization', 'openai-project'];

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
    const out = pairs(upstreamRequestHeaders(raw, ['authorization', 'Bearer sk-upstream'], 12));
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
    const out = upstreamRequestHeaders(['Authorization', 'Bearer client'], [], null);
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

  it('drops names listed in a Connection header, in any case', () => {
    const raw = ['Content-Type', 'application/json', 'Connection', 'Close, X-Hop', 'X-Hop', '1', 'x-kept', '2'].map((s) => Buffer.from(s));
    expect(pairs(clientResponseHeaders(raw).headers)).toEqual([
      ['Content-Type', 'application/json'],
      ['x-kept', '2'],
    ]);
  });

  it.each(CLIENT_MUST_DROP)('never forwards the client header %s (any case) to the upstream', (name) => {
    for (const spelled of [name, name.toUpperCase(), name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase())]) {
      const raw = ['Content-Type', 'application/json', spelled, 'client-value', 'X-Kept', '1'];
      const out = pairs(upstreamRequestHeaders(raw, ['authorization', 'Bearer sk-upstream'], 2));
      expect(out.filter(([n, v]) => n === spelled && v === 'client-value'), spelled).toEqual([]);
      expect(out.slice(0, 2), spelled).toEqual([
        ['Content-Type', 'application/json'],
        ['X-Kept', '1'],
      ]);
    }
  });

  it.each(UPSTREAM_MUST_DROP)('never passes the upstream header %s (any case) back to the client', (name) => {
    for (const spelled of [name, name.toUpperCase(), name.replace(/(^|-)([a-z])/g, (m) => m.toUpperCase())]) {
      const raw = ['content-type', 'application/json', spelled, 'upstream-value', 'x-kept', '1'].map((s) => Buffer.from(s));
      expect(pairs(clientResponseHeaders(raw).headers), spelled).toEqual([
        ['content-type', 'application/json'],
        ['x-kept', '1'],
      ]);
    }
  });

  it('drops exactly the listed names, whatever their case, and keeps every other header', () => {
    const dropped = (list: readonly string[]) => new Set(list);
    const anyCase = (name: string) =>
      fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((upper) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));
    const either = new Set(CLIENT_EITHER);
    const token = fc.stringMatching(/^[a-zA-Z0-9-]{1,24}$/).filter((n) => !either.has(n.toLowerCase()));
    // Near-misses of the dropped names must pass through.
    const name = fc.oneof(
      token,
      fc.constantFrom(...CLIENT_MUST_DROP, ...UPSTREAM_MUST_DROP, 'set-cookie3', 'te2', 'trailer-x', 'x-te', 'upgrade-insecure-requests', 'hosts', 'x-bodhi-a').chain(anyCase),
    );
    fc.assert(
      fc.property(fc.array(name, { maxLength: 12 }), (names) => {
        // Values with a space: a Connection value then lists no header name that could be generated.
        const raw = names.flatMap((n, i) => [n, `value ${i}`]);
        const response = pairs(clientResponseHeaders(raw.map((s) => Buffer.from(s))).headers).map(([n]) => n);
        const upstreamDrops = dropped(UPSTREAM_MUST_DROP);
        expect(response).toEqual(names.filter((n) => !upstreamDrops.has(n.toLowerCase())));
        const request = pairs(upstreamRequestHeaders(raw, [], null)).map(([n]) => n);
        const clientDrops = dropped(CLIENT_MUST_DROP);
        expect(request).toEqual([...names.filter((n) => !clientDrops.has(n.toLowerCase()) && !n.toLowerCase().startsWith('x-bodhi-')), 'accept-encoding']);
      }),
      { numRuns: 500 },
    );
  });
});

