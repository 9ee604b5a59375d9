import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TopLevelStringFinder } from '../../src/upstream/json-stream-scan.js';

/** Feeds `text` in chunks cut at the given offsets. */
function find(text: string | Buffer, cuts: number[] = [], key = 'id'): string | undefined {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text, 'utf8');
  const finder = new TopLevelStringFinder(key);
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    finder.write(bytes.subarray(from, cut));
    from = cut;
  }
  return finder.value;
}

describe('TopLevelStringFinder', () => {
  it('finds a top-level string across every possible chunk boundary', () => {
    const body = '{"object":"response","meta":{"id":"nested"},"list":[{"id":"x"}],"s":"}{\\"id\\":\\"no\\"","id":"resp_1\\u00e9"}';
    for (let cut = 0; cut <= body.length; cut++) expect(find(body, [cut]), `cut at ${cut}`).toBe('resp_1é');
  });

  it('ignores nested keys, non-string values and non-objects', () => {
    expect(find('{"a":{"id":"inner"}}')).toBeUndefined();
    expect(find('{"id":42,"b":"x"}')).toBeUndefined();
    expect(find('{"id":null}')).toBeUndefined();
    expect(find('{"id":{"id":"x"}}')).toBeUndefined();
    expect(find('[{"id":"x"}]')).toBeUndefined();
    expect(find('"id"')).toBeUndefined();
    expect(find('')).toBeUndefined();
  });

  it('reads escaped keys and stops at the first match', () => {
    const finder = new TopLevelStringFinder('id');
    finder.write(Buffer.from(' \n{ "i\\u0064" : "first" , "id":"second"'));
    expect(finder.finished).toBe(true);
    expect(finder.value).toBe('first');
  });

  it('gives up on over-long values and keys without keeping them', () => {
    expect(find(`{"id":"${'a'.repeat(5000)}"}`)).toBeUndefined();
    expect(find(`{"${'k'.repeat(5000)}":"v","id":"ok"}`)).toBe('ok');
  });

  it('agrees with JSON.parse on arbitrary objects cut into arbitrary chunks', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.option(fc.string()), fc.nat(), fc.array(fc.nat(), { maxLength: 8 }), (obj, id, at, cuts) => {
        const entries = Object.entries(obj).filter(([k]) => k !== 'id');
        if (id !== null) entries.splice(at % (entries.length + 1), 0, ['id', id]);
        const text = JSON.stringify(Object.fromEntries(entries));
        const bytes = Buffer.from(text, 'utf8');
        const expected = id !== null && Buffer.byteLength(JSON.stringify(id)) <= 1026 ? id : undefined;
        expect(find(bytes, cuts.map((c) => c % (bytes.length + 1)))).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });
});
