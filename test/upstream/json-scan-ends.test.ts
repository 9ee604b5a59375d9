import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findTopLevelAtEnds } from '../../src/lib/json/json-scan-ends.js';
import { trickyString } from './arbitraries.js';

/** What the scanner says each key holds, parsed. */
function read(body: Buffer, head: string[], tail: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, span] of findTopLevelAtEnds(body, head, tail)) out[key] = JSON.parse(body.toString('utf8', span.start, span.end));
  return out;
}

const b = (s: string) => Buffer.from(s, 'utf8');

describe('json-scan-ends', () => {
  it('reads head keys from the start and tail keys from the end of a Response', () => {
    const body = b('{"id":"resp_1","status":"completed","output":[{"text":"a \\"usage\\": {} }"}],"usage":{"input_tokens":3},"user":null,"metadata":{"usage":"x"}}');
    expect(read(body, ['id', 'status'], ['usage'])).toEqual({ id: 'resp_1', status: 'completed', usage: { input_tokens: 3 } });
  });

  it('finds a tail key that sits at the start, and a head key that sits at the end', () => {
    expect(read(b('{"usage":{"n":1},"output":[1,2],"id":"r"}'), ['id'], ['usage'])).toEqual({ id: 'r', usage: { n: 1 } });
    expect(read(b('{"usage":{"n":1},"output":[]}'), [], ['usage'])).toEqual({ usage: { n: 1 } });
  });

  it('handles escapes, whitespace and scalars when walking backward', () => {
    const body = b('{ "id" : "a\\\\" ,\n "t": "\\\\\\"}" , "n" : -1.5e3 ,\t"usage"\n:\n{ "k" : [ "]", {"\\"": true} ] } , "z" : false }');
    expect(read(body, ['id'], ['usage', 'n'])).toEqual({ id: 'a\\', usage: { k: [']', { '"': true }] }, n: -1500 });
  });

  it('matches escaped key spellings from the end', () => {
    expect(read(b('{"a":1,"us\\u0061ge":{"x":2}}'), [], ['usage'])).toEqual({ usage: { x: 2 } });
  });

  it('yields nothing (no error) for what is not an object or is cut short', () => {
    for (const s of ['', '[]', '"x"', '{', '{"id":"r"', '{"usage":{"a":1}', 'null']) {
      expect(() => findTopLevelAtEnds(b(s), ['id'], ['usage'])).not.toThrow();
    }
    expect(read(b('[{"usage":1}]'), [], ['usage'])).toEqual({});
  });

  it('agrees with JSON.parse on any object with unique keys, however it is formatted', () => {
    const key = fc.oneof(fc.constantFrom('id', 'status', 'usage', 'output', 'model'), fc.string({ maxLength: 8 }));
    fc.assert(
      fc.property(
        fc.dictionary(key, fc.oneof(fc.jsonValue({ maxDepth: 3 }), trickyString, fc.array(trickyString, { maxLength: 3 })), { maxKeys: 8 }),
        fc.constantFrom(undefined, 1, 2, '\t'),
        fc.subarray(['id', 'status', 'model']),
        fc.subarray(['usage', 'output', '']),
        (obj, indent, head, tail) => {
          const body = b(JSON.stringify(obj, null, indent));
          const expected: Record<string, unknown> = {};
          for (const k of [...head, ...tail]) if (Object.hasOwn(obj, k)) expected[k] = JSON.parse(JSON.stringify(obj[k]));
          expect(read(body, head, tail)).toEqual(expected);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
