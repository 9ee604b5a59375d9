import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/auth/rate-limit.js';
import { errorBody } from '../../src/surfaces/openai/errors.js';

const T0 = 1_700_000_000_000; // a whole second

describe('RateLimiter (sliding minute of one-second buckets)', () => {
  it('allows rpm requests in any 60 s, then answers 429 with the wait until the oldest leaves', () => {
    const rl = new RateLimiter();
    for (let i = 0; i < 3; i++) expect(rl.take('t', 3, T0 + 500 + i)).toBeUndefined();
    const denied = rl.take('t', 3, T0 + 10_000)!;
    expect(denied.status).toBe(429);
    expect(errorBody(denied)).toEqual({
      error: { message: 'Rate limit reached for this token: 3 requests per minute. Please try again in 50s.', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' },
    });
    expect(denied.headers).toMatchObject({ 'retry-after': '50', 'retry-after-ms': '50000' });
    // Denied requests don't count; at second 60 the first three leave the window.
    expect(rl.take('t', 3, T0 + 59_999)).toBeDefined();
    expect(rl.take('t', 3, T0 + 60_000)).toBeUndefined();
  });

  it('slides: old requests leave one second at a time', () => {
    const rl = new RateLimiter();
    expect(rl.take('t', 2, T0)).toBeUndefined();
    expect(rl.take('t', 2, T0 + 30_000)).toBeUndefined();
    expect(rl.take('t', 2, T0 + 45_000)!.headers['retry-after']).toBe('15');
    expect(rl.take('t', 2, T0 + 60_000)).toBeUndefined(); // the first left
    expect(rl.take('t', 2, T0 + 60_500)!.headers['retry-after']).toBe('30'); // the second leaves at 90 s
  });

  it('keeps tokens apart, follows limit changes, and forgets everything after a quiet minute', () => {
    const rl = new RateLimiter();
    expect(rl.take('a', 1, T0)).toBeUndefined();
    expect(rl.take('b', 1, T0)).toBeUndefined();
    expect(rl.take('a', 1, T0 + 1)).toBeDefined();
    expect(rl.take('a', 2, T0 + 2)).toBeUndefined(); // limit raised
    expect(rl.take('a', 2, T0 + 500_000)).toBeUndefined();
    expect(rl.take('a', 2, T0 + 500_001)).toBeUndefined();
    expect(rl.take('a', 2, T0 + 500_002)).toBeDefined();
  });

  it('answers a retry-after of at least one second', () => {
    const rl = new RateLimiter();
    expect(rl.take('t', 1, T0 + 999)).toBeUndefined();
    expect(rl.take('t', 1, T0 + 59_999)!.headers).toMatchObject({ 'retry-after': '1', 'retry-after-ms': '1' });
  });
});
