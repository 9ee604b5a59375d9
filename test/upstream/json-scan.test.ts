import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findTopLevel, findTopLevelKeys, replaceTopLevel } from '../../src/lib/json/json-scan.js';
import { trickyString } from './arbitraries.js';

/** The value of a top-level key, parsed, via the span the scanner reports. */
function readTopLevel(buf: Buffer, key: string): unknown {
  const span = findTopLevel(buf, key);
  return span ? JSON.parse(buf.subarray(span.start, span.end).toString('utf8')) : undefined;
}

const b = (s: string) => Buffer.from(s, 'utf8');

describe('json-scan', () => {
  it('finds a top-level string and ignores nested keys of the same name', () => {
    const body = b('{"input":{"model":"inner","list":[{"model":"x"}]}, "model" : "res/gpt-5","n":1}');
    const span = findTopLevel(body, 'model')!;
    expect(body.subarray(span.start, span.end).toString()).toBe('"res/gpt-5"');
    expect(readTopLevel(body, 'model')).toBe('res/gpt-5');
  });

  it('skips strings containing braces, quotes and escapes', () => {
    const body = b('{"a":"}{\\"model\\":\\"no\\"","b":[1,{"c":"]"}],"model":"yes"}');
    expect(readTopLevel(body, 'model')).toBe('yes');
    expect(JSON.parse(body.toString()).model).toBe('yes');
  });

  it('takes the last duplicate key, like JSON.parse', () => {
    const body = b('{"model":"first","model":"second"}');
    expect(readTopLevel(body, 'model')).toBe(JSON.parse(body.toString()).model);
  });

  it('matches escaped key spellings', () => {
    expect(readTopLevel(b('{"mo\\u0064el":"m"}'), 'model')).toBe('m');
  });

  it('replaces only the value bytes, leaving every other byte as sent', () => {
    const raw = '{\n  "model": "res/gpt-5",\n  "input": "héllo \\u00e9",  "z": 1.50e3, "extra_unknown": {"k": [true,null]}\n}';
    const out = replaceTopLevel(b(raw), 'model', JSON.stringify('gpt-5')).toString('utf8');
    expect(out).toBe(raw.replace('"res/gpt-5"', '"gpt-5"'));
  });

  it('returns undefined for non-objects and truncated input', () => {
    expect(findTopLevel(b('[1,2]'), 'model')).toBeUndefined();
    expect(findTopLevel(b('{"model":"abc'), 'model')).toBeUndefined();
    expect(readTopLevel(b('{"id":"resp_1","object":"response","output":[{"id":"msg_1"'), 'id')).toBe('resp_1');
  });

  it('agrees with JSON.parse on any object, long strings full of quotes and backslashes included', () => {
    const value = fc.oneof(fc.jsonValue({ maxDepth: 3 }), trickyString, fc.dictionary(trickyString, trickyString, { maxKeys: 3 }));
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(fc.constantFrom('model', 'id'), trickyString), value, { maxKeys: 8 }), fc.constantFrom(undefined, 2), (obj, indent) => {
        const body = b(JSON.stringify(obj, null, indent));
        // Wanted keys are ASCII (the gateway asks for `model`, `id`, `usage`); others must not confuse the scan.
        const ascii = Object.entries(obj).filter(([k]) => /^[\x20-\x7e]*$/.test(k));
        const spans = findTopLevelKeys(body, ascii.map(([k]) => k));
        for (const [k, v] of ascii) {
          const span = spans.get(k)!;
          expect(JSON.parse(body.toString('utf8', span.start, span.end))).toEqual(JSON.parse(JSON.stringify(v)));
        }
      }),
      { numRuns: 1000 },
    );
  });
});
