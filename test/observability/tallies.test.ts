import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { TallyCounter, TallyHistogram } from '../../src/observability/tallies.js';

const BUCKETS = [0.001, 0.005, 0.01, 0.5, 2];
const labelNames = ['route', 'status'];
const observation = fc.tuple(fc.constantFrom('/a', '/b', 'x"y\\z'), fc.constantFrom('200', '500'), fc.oneof(fc.constantFrom(...BUCKETS, 0, 3), fc.double({ min: 0, max: 5, noNaN: true })));

describe('tallies', () => {
  it('render exactly what prom-client renders for the same observations', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 40 }), async (observations) => {
        const ours = new Registry();
        const theirs = new Registry();
        const histogram = new TallyHistogram({ name: 'h_seconds', help: 'h', labelNames, registry: ours }, BUCKETS);
        const counter = new TallyCounter({ name: 'c_total', help: 'c', labelNames, registry: ours });
        const promHistogram = new Histogram({ name: 'h_seconds', help: 'h', labelNames, buckets: BUCKETS, registers: [theirs] });
        const promCounter = new Counter({ name: 'c_total', help: 'c', labelNames, registers: [theirs] });
        for (const [route, status, value] of observations) {
          histogram.observe([route, status], value);
          counter.inc([route, status], 2);
          promHistogram.labels(route, status).observe(value);
          promCounter.labels(route, status).inc(2);
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
      }),
      { numRuns: 200 },
    );
  });
});
