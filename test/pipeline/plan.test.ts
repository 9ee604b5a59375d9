// Planning a router's call without a server: fallback order, weighted draws, disabled targets,
// the pinned conversation holder, and the body each target gets.
import { describe, expect, it } from 'vitest';
import { bodyShape, planRouter, type Holder } from '../../src/pipeline/plan.js';
import type { LiveApiModel, LiveRouter, LiveRouterTarget } from '../../src/state/registry.js';

const target = (name: string, weight = 1, enabled = true): LiveRouterTarget => ({
  apiModel: { id: `id-${name}`, name } as LiveApiModel,
  model: `m-${name}`,
  weight,
  enabled,
  label: `${name}/m-${name}`,
});
const router = (strategy: LiveRouter['strategy'], targets: LiveRouterTarget[]): LiveRouter => ({
  id: 'r',
  name: 'team',
  apiFormat: 'openai',
  strategy,
  targets,
  retryOnStatus: new Set([429]),
  maxAttempts: targets.length,
  failureThreshold: 3,
  failureWindowMs: 30_000,
  cooldownMs: 30_000,
  maxRetryAfterMs: 300_000,
  createdAt: 0,
});
const shape = bodyShape(Buffer.from('{"model":"team","input":"hi"}'), 'team');
const names = (r: LiveRouter, random?: () => number, pin?: Holder) => planRouter(r, shape, pin, random).order.map((t) => t.apiModel.name);

describe('planRouter', () => {
  it('keeps the fallback order and leaves disabled targets out', () => {
    expect(names(router('fallback', [target('a'), target('b', 1, false), target('c')]))).toEqual(['a', 'c']);
  });

  it('draws weighted targets in proportion to weight, the rest following', () => {
    const r = router('weighted', [target('a', 1), target('b', 3)]);
    expect(names(r, () => 0.1)).toEqual(['a', 'b']);
    expect(names(r, () => 0.5)).toEqual(['b', 'a']);
    let first = 0;
    const seq = [0.01, 0.26, 0.51, 0.76];
    for (const x of seq) if (names(r, () => x)[0] === 'b') first++;
    expect(first).toBe(3);
  });

  it('puts weight 0 after the others', () => {
    const r = router('weighted', [target('a', 0), target('b', 2), target('c', 0)]);
    for (const x of [0, 0.5, 0.999]) expect(names(r, () => x)[0]).toBe('b');
  });

  it('pins a conversation to the target that holds it, enabled or not', () => {
    const r = router('weighted', [target('a', 0, false), target('b', 5)]);
    const plan = planRouter(r, shape, { apiModel: target('a').apiModel, upstreamModel: 'm-a' });
    expect(plan.pinned).toBe(true);
    expect(plan.order.map((t) => t.apiModel.name)).toEqual(['a']);
    // Records from before upstream models were kept pin by API model alone.
    expect(planRouter(r, shape, { apiModel: target('a').apiModel, upstreamModel: null }).order[0]!.model).toBe('m-a');
  });

  it('pins to the model that made the response when two targets share an API model', () => {
    const acct = target('acct').apiModel;
    const big = { apiModel: acct, model: 'gpt-5', weight: 1, enabled: true, label: 'acct/gpt-5' };
    const mini = { apiModel: acct, model: 'gpt-5-mini', weight: 1, enabled: true, label: 'acct/gpt-5-mini' };
    const plan = planRouter(router('fallback', [big, mini]), shape, { apiModel: acct, upstreamModel: 'gpt-5-mini' });
    expect(plan.order).toEqual([mini]);
  });

  it('still sends a conversation to its holder after it left the router', () => {
    const r = router('fallback', [target('b')]);
    const gone = target('a').apiModel;
    const plan = planRouter(r, shape, { apiModel: gone, upstreamModel: 'm-old' });
    expect(plan.pinned).toBe(true);
    expect(plan.order.map((t) => `${t.apiModel.name}/${t.model}`)).toEqual(['a/m-old']);
    expect(planRouter(r, shape, { apiModel: gone, upstreamModel: null }).pinned).toBe(false);
  });

  it("gives each target the client's bytes with only model rewritten", () => {
    const t = target('a');
    expect(shape(t.apiModel, 'gpt-5').body!.toString()).toBe('{"model":"gpt-5","input":"hi"}');
    const same = Buffer.from('{"model":"team"}');
    expect(bodyShape(same, 'team')(t.apiModel, 'team').body).toBe(same);
  });
});
