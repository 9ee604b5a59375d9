import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { passThroughDigest as digest } from '../../src/app/body.js';
import { OPENAI_BODY_FIELDS } from '../../src/surfaces/openai/index.js';

const passThroughDigest = (raw: Buffer) => digest(raw, OPENAI_BODY_FIELDS);
import { findTopLevelKeys } from '../../src/lib/json/json-scan.js';
import { checkJson, isJson } from '../../src/lib/json/json-validate.js';
import { trickyString } from './arbitraries.js';

const accepts = (bytes: Buffer): boolean => {
  try {
    JSON.parse(bytes.toString('utf8'));
    return true;
  } catch {
    return false;
  }
};
const b = (s: string) => Buffer.from(s, 'utf8');

/** Any JSON value, serialised compactly or indented with spaces, tabs or newlines. */
const spaced = fc
  .tuple(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(undefined, 1, 2, '\t', ' \r\n'))
  .map(([value, indent]) => JSON.stringify(value, null, indent));

describe('json-validate', () => {
  it('agrees with JSON.parse on hand-picked edge cases', () => {
    const cases = [
      '', ' ', '{}', '[]', '{ }', '[ ]', '0', '-0', '01', '-', '1.', '.5', '1e', '1e+', '1E-5', '2.5e10', '-12.75', '1.0e+0',
      'true', 'false', 'null', 'nul', 'tru', 'True', 'NaN', 'Infinity', '"a"', '"\\u00e9"', '"\\u00g9"', '"\\x"', '"\\/"',
      '"tab\there"', '"\u007f"', '"é"', '[1,]', '{"a":1,}', '{,}', '[,1]', '{"a"}', '{"a":}', '{a:1}', "{'a':1}", '[1 2]',
      '{"a":1 "b":2}', '{"a":1}x', '{"a":1} ', ' \n{"a":[1,{"b":null}]}\t', '[[[[[]]]]]', '[[[[]]]', '{"a":[}', '"unterminated',
      '"\\"', '"\\\\"', '{"model":"gpt-5",', '\ufeff{}', '[1]]', '{}{}', '[1,[2,[3,{"x":[4]}]]]',
    ];
    for (const c of cases) expect(isJson(b(c)), JSON.stringify(c)).toBe(accepts(b(c)));
  });

  it('accepts every JSON value, however it is spaced', () => {
    fc.assert(fc.property(spaced, (text) => isJson(b(text)) === true), { numRuns: 1000 });
  });

  it('agrees with JSON.parse on JSON with one byte changed, dropped or added', () => {
    const edit = fc.tuple(spaced, fc.nat(), fc.constantFrom('drop', 'set', 'insert'), fc.constantFrom(...'{}[]",:\\ 0-1.eE+tfnu\u0001x'.split('')));
    fc.assert(
      fc.property(edit, ([text, at, how, ch]) => {
        const bytes = [...b(text)];
        const k = bytes.length ? at % bytes.length : 0;
        const c = ch.charCodeAt(0);
        if (how === 'drop') bytes.splice(k, 1);
        else if (how === 'set') bytes[k] = c;
        else bytes.splice(k, 0, c);
        const buf = Buffer.from(bytes);
        return isJson(buf) === accepts(buf);
      }),
      { numRuns: 3000 },
    );
  });

  it('finds every byte that ends plain string content, at any position in a 4-byte word', () => {
    // Long strings are skipped a 32-bit word at a time: put each interesting byte at each
    // offset of a long string, itself at each alignment, inside and outside a Buffer's pool slice.
    const interesting = [...Array.from({ length: 0x20 }, (_, k) => k), 0x22, 0x5c, 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xc3, 0xff];
    const plain = [...b('abcdefghijklmnopqrstuvwxyz0123456789')];
    for (const lead of [0, 1, 2, 3]) {
      for (let at = 0; at < plain.length; at++) {
        for (const byte of interesting) {
          const content = plain.slice();
          content[at] = byte;
          const raw = [...b(' '.repeat(lead) + '{"k":"'), ...content, ...b('"}')];
          const inPool = Buffer.from(raw);
          const ownMemory = Buffer.alloc(raw.length + 1).subarray(1);
          ownMemory.set(raw);
          for (const buf of [inPool, ownMemory]) expect(isJson(buf), `byte 0x${byte.toString(16)} at ${at}, lead ${lead}`).toBe(accepts(buf));
        }
      }
    }
  });

  it('agrees with JSON.parse on strings dense in quotes and backslashes, and on raw bytes', () => {
    fc.assert(fc.property(trickyString, (s) => isJson(b(`{"k":"${s}"}`)) === accepts(b(`{"k":"${s}"}`))), { numRuns: 2000 });
    fc.assert(fc.property(fc.uint8Array({ maxLength: 40 }), (raw) => isJson(Buffer.from(raw)) === accepts(Buffer.from(raw))), { numRuns: 2000 });
  });

  it('finds the same top-level values as the scanner, in the same pass', () => {
    const keys = ['model', 'store'];
    const withKeys = fc
      .tuple(fc.dictionary(fc.constantFrom('model', 'store', 'input', 'mo\\u0064el', 'x'), fc.jsonValue({ maxDepth: 3 })), fc.constantFrom(undefined, 2, '\t'))
      .map(([obj, indent]) => JSON.stringify(obj, null, indent).replaceAll('mo\\\\u0064el', 'mo\\u0064el'));
    fc.assert(
      fc.property(withKeys, (text) => {
        const buf = b(text);
        const spans = checkJson(buf, keys);
        return spans !== null && JSON.stringify([...spans].sort()) === JSON.stringify([...findTopLevelKeys(buf, keys)].sort());
      }),
      { numRuns: 1000 },
    );
    expect(checkJson(b('[{"model":"x"}]'), keys)?.size).toBe(0);
    expect(checkJson(b('{"model":"x",}'), keys)).toBeNull();
  });

  it('handles any nesting depth without recursion', () => {
    const deep = b('['.repeat(200_000) + ']'.repeat(200_000));
    expect(isJson(deep)).toBe(true);
    expect(isJson(deep.subarray(1))).toBe(false);
  });
});

describe('pass-through body digest', () => {
  it('decodes only model and store, as JSON.parse would', () => {
    const raw = '{"input":[{"model":"inner"}],"mo\\u0064el":"first","store":false,"model":"res/gpt-\\u00e9","stream":true}';
    expect(passThroughDigest(b(raw))).toEqual({ model: 'res/gpt-é', store: false });
    expect(passThroughDigest(b('{"model":{"a":1},"store":null}'))).toEqual({ model: { a: 1 }, store: null });
  });

  it('gives non-object bodies a stand-in of the same JSON type', () => {
    const type = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
    for (const raw of ['[1,2]', '"s"', '12', 'true', 'false', 'null', ' {} ']) {
      expect(type(passThroughDigest(b(raw))), raw).toBe(type(JSON.parse(raw)));
    }
  });

  it("throws JSON.parse's own error for invalid JSON", () => {
    const raw = b('{"model":"gpt-5",');
    let expected = '';
    try {
      JSON.parse(raw.toString());
    } catch (err) {
      expected = (err as Error).message;
    }
    expect(() => passThroughDigest(raw)).toThrow(expected);
  });
});
