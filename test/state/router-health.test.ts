// Router target health without a server: retry-after skips, failure-threshold cooldowns, the one
// trial call after a cooldown, and the Retry-After the gateway gives when every target cools.
import { describe, expect, it } from 'vitest';
import type { LiveApiModel, LiveRouter, LiveRouterTarget } from '../../src/state/registry.js';
import { RouterHealth, retryAfterMs } from '../../src/state/router-health.js';

const apiModel = (name: string) => ({ id: `id-${name}`, name }) as LiveApiModel;
const target = (name: string): LiveRouterTarget => ({ apiModel: apiModel(name), model: 'm', weight: 1, enabled: true, label: `${name}/m` });
const router = (over: Partial<LiveRouter> = {}): LiveRouter => ({
  id: 'r1',
  name: 'team',
  apiFormat: 'openai',
  strategy: 'fallback',
  targets: [target('a'), target('b')],
  retryOnStatus: new Set([429, 500]),
  maxAttempts: 2,
  failureThreshold: 3,
  failureWindowMs: 1_000,
  cooldownMs: 5_000,
  maxRetryAfterMs: 60_000,
  createdAt: 0,
  ...over,
});

function setup(over: Partial<LiveRouter> = {}) {
  let now = 1_000_000;
  const cooldowns: string[] = [];
  const health = new RouterHealth({ cooldownStarted: (r, t) => void cooldowns.push(`${r}:${t}`) }, () => now);
  const r = router(over);
  return { health, r, a: r.targets[0]!, b: r.targets[1]!, cooldowns, tick: (ms: number) => void (now += ms), now: () => now };
}

describe('RouterHealth', () => {
  it('admits a target until failure_threshold failures fall within the window', () => {
    const { health, r, a, tick, cooldowns } = setup();
    health.failed(r, a, null);
    tick(600);
    health.failed(r, a, null);
    tick(600); // the first failure left the window
    health.failed(r, a, null);
    expect(health.admit(r, a)).toBe(true);
    health.failed(r, a, null);
    expect(health.admit(r, a)).toBe(false);
    expect(cooldowns).toEqual(['team:a/m']);
  });

  it('after the cooldown admits exactly one trial call; its failure starts another cooldown', () => {
    const { health, r, a, tick } = setup({ failureThreshold: 1 });
    health.failed(r, a, null);
    expect(health.admit(r, a)).toBe(false);
    tick(5_000);
    expect(health.admit(r, a)).toBe(true);
    expect(health.admit(r, a)).toBe(false); // the trial is in flight
    health.failed(r, a, null);
    tick(4_999);
    expect(health.admit(r, a)).toBe(false);
    tick(1);
    expect(health.admit(r, a)).toBe(true);
    health.succeeded(r, a);
    expect(health.admit(r, a)).toBe(true);
    expect(health.admit(r, a)).toBe(true);
  });

  it('a trial the client abandoned is released for the next call', () => {
    const { health, r, a, tick } = setup({ failureThreshold: 1 });
    health.failed(r, a, null);
    tick(5_000);
    expect(health.admit(r, a)).toBe(true);
    health.released(r, a);
    expect(health.admit(r, a)).toBe(true);
  });

  it('skips a target for what retry-after asked, capped at max_retry_after_ms', () => {
    const { health, r, a, b, tick } = setup({ maxRetryAfterMs: 2_000 });
    health.failed(r, a, 10_000);
    expect(health.admit(r, a)).toBe(false);
    expect(health.admit(r, b)).toBe(true);
    expect(health.view(r)[0]).toMatchObject({ target: 'a/m', healthy: false });
    tick(2_000);
    expect(health.admit(r, a)).toBe(true);
  });

  it('says when the first target is admitted again', () => {
    const { health, r, a, b, now } = setup({ failureThreshold: 1 });
    const start = now();
    health.failed(r, a, 1_000);
    health.failed(r, b, null);
    expect(health.nextAvailableAt(r)).toBe(start + 5_000);
    expect(health.nextAvailableAt(router({ targets: [] }))).toBe(Infinity);
  });
});

describe('retryAfterMs', () => {
  it('reads retry-after-ms, then retry-after in seconds or as a date', () => {
    expect(retryAfterMs(['Retry-After-Ms', '250', 'retry-after', '9'])).toBe(250);
    expect(retryAfterMs(['retry-after', '2'])).toBe(2_000);
    expect(retryAfterMs(['retry-after', new Date(10_000).toUTCString()], 4_000)).toBe(6_000);
    expect(retryAfterMs(['retry-after', 'soon'])).toBeNull();
    expect(retryAfterMs(['content-type', 'application/json'])).toBeNull();
  });
});
