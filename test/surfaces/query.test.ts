import { describe, expect, it } from 'vitest';
import { rawQuery, takeModelParam } from '../../src/surfaces/openai/query.js';

describe('query handling', () => {
  it('keeps the query byte for byte, including repeated bracket keys', () => {
    const url = '/v1/responses/resp_1?include%5B%5D=a&include%5B%5D=b&stream=true&starting_after=3';
    expect(rawQuery(url)).toBe('?include%5B%5D=a&include%5B%5D=b&stream=true&starting_after=3');
    expect(takeModelParam(rawQuery(url))).toEqual({ query: rawQuery(url), model: undefined });
  });

  it('takes out only the model parameter', () => {
    expect(takeModelParam('?include[]=x&model=res%2Fgpt-5&include[]=y')).toEqual({ query: '?include[]=x&include[]=y', model: 'res/gpt-5' });
    expect(takeModelParam('?model=a')).toEqual({ query: '', model: 'a' });
    expect(takeModelParam('?models=1')).toEqual({ query: '?models=1', model: undefined });
  });
});
