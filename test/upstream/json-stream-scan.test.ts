import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopLevelFields } from '../../src/lib/json/json-stream-scan.js';

/** Feeds `text` in chunks cut at the given offsets. */
function scan(text: string | Buffer, keys: string[], cuts: number[] = [], max?: number): TopLevelFields {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const fields = new TopLevelFields(keys, max);
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    fields.write(bytes.subarray(from, cut));
    from = cut;
  }
  return fields;
}

describe('TopLevelFields', () => {
  it('reads top-level values of any type across every possible chunk boundary', () => {
    const body =
      '{"object":"response","meta":{"id":"nested","usage":1},"list":[{"id":"x"}],"s":"}{\\"id\\":\\"no\\"","id":"resp_1\\u00e9","n": -1.5e3 ,"usage":{"input_tokens":3,"d":{"x":[1,2]}},"ok":true}';
    for (let cut = 0; cut <= body.length; cut++) {
      const f = scan(body, ['id', 'usage', 'n', 'ok'], [cut]);
      expect(f.value('id'), `cut at ${cut}`).toBe('resp_1é');
      expect(f.value('usage'), `cut at ${cut}`).toEqual({ input_tokens: 3, d: { x: [1, 2] } });
      expect(f.value('n'), `cut at ${cut}`).toBe(-1500);
      expect(f.value('ok'), `cut at ${cut}`).toBe(true);
      expect(f.finished).toBe(true);
    }
  });

  it('ignores nested keys and non-objects', () => {
    expect(scan('{"a":{"id":"inner"}}', ['id']).value('id')).toBeUndefined();
    expect(scan('[{"id":"x"}]', ['id']).value('id')).toBeUndefined();
    expect(scan('"id"', ['id']).value('id')).toBeUndefined();
    expect(scan('', ['id']).value('id')).toBeUndefined();
    expect(scan('{"id":null}', ['id']).value('id')).toBeNull();
    expect(scan('{"id":null}', ['id']).raw.has('id')).toBe(true);
  });

  it('reads escaped keys; the last duplicate wins, as with JSON.parse', () => {
    const f = scan(' \n{ "i\\u0064" : "first" , "id":"second"}', ['id']);
    expect(f.value('id')).toBe('second');
  });

  it('drops over-long values and skips over-long keys without keeping them', () => {
    const f = scan(`{"id":"${'a'.repeat(5000)}","usage":{"t":1}}`, ['id', 'usage'], [], 1024);
    expect(f.raw.has('id')).toBe(false);
    expect(f.value('usage')).toEqual({ t: 1 });
    expect(scan(`{"${'k'.repeat(5000)}":"v","id":"ok"}`, ['id']).value('id')).toBe('ok');
  });

  it('agrees with JSON.parse on arbitrary objects cut into arbitrary chunks', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (obj, cuts, pretty) => {
        const text = pretty ? JSON.stringify(obj, null, 2) : JSON.stringify(obj);
        const bytes = Buffer.from(text, 'utf8');
        const keys = Object.keys(obj).slice(0, 3).concat('id');
        const f = scan(bytes, keys, cuts.map((c) => c % (bytes.length + 1)), 1 << 20);
        const parsed = JSON.parse(text) as Record<string, unknown>; // what a JSON reader sees (e.g. -0 becomes 0)
        for (const k of keys) expect(f.value(k)).toEqual(parsed[k]);
      }),
      { numRuns: 300 },
    );
  });
});
