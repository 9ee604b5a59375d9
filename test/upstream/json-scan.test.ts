import { describe, expect, it } from 'vitest';
import { findTopLevel, readTopLevelString, replaceTopLevel } from '../../src/upstream/json-scan.js';

const b = (s: string) => Buffer.from(s, 'utf8');

describe('json-scan', () => {
  it('finds a top-level string and ignores nested keys of the same name', () => {
    const body = b('{"input":{"model":"inner","list":[{"model":"x"}]}, "model" : "res/gpt-5","n":1}');
    const span = findTopLevel(body, 'model')!;
    expect(body.subarray(span.start, span.end).toString()).toBe('"res/gpt-5"');
    expect(readTopLevelString(body, 'model')).toBe('res/gpt-5');
  });

  it('skips strings containing braces, quotes and escapes', () => {
    const body = b('{"a":"}{\\"model\\":\\"no\\"","b":[1,{"c":"]"}],"model":"yes"}');
    expect(readTopLevelString(body, 'model')).toBe('yes');
    expect(JSON.parse(body.toString()).model).toBe('yes');
  });

  it('takes the last duplicate key, like JSON.parse', () => {
    const body = b('{"model":"first","model":"second"}');
    expect(readTopLevelString(body, 'model')).toBe(JSON.parse(body.toString()).model);
  });

  it('with `first`, stops at the first match, also in a body cut short after it', () => {
    expect(readTopLevelString(b('{"id":"one","id":"two"}'), 'id', true)).toBe('one');
    expect(readTopLevelString(b('{"object":"response","id":"resp_1","output":[{"id":"msg'), 'id', true)).toBe('resp_1');
    expect(readTopLevelString(b('{"id":"resp_'), 'id', true)).toBeUndefined();
  });

  it('matches escaped key spellings', () => {
    expect(readTopLevelString(b('{"mo\\u0064el":"m"}'), 'model')).toBe('m');
  });

  it('replaces only the value bytes, leaving every other byte as sent', () => {
    const raw = '{\n  "model": "res/gpt-5",\n  "input": "héllo \\u00e9",  "z": 1.50e3, "extra_unknown": {"k": [true,null]}\n}';
    const out = replaceTopLevel(b(raw), 'model', JSON.stringify('gpt-5')).toString('utf8');
    expect(out).toBe(raw.replace('"res/gpt-5"', '"gpt-5"'));
  });

  it('returns undefined for non-objects and truncated input', () => {
    expect(findTopLevel(b('[1,2]'), 'model')).toBeUndefined();
    expect(findTopLevel(b('{"model":"abc'), 'model')).toBeUndefined();
    expect(readTopLevelString(b('{"id":"resp_1","object":"response","output":[{"id":"msg_1"'), 'id')).toBe('resp_1');
    expect(readTopLevelString(b('{"id":5}'), 'id')).toBeUndefined();
  });
});
