import fc from 'fast-check';
import { AggregatorRegistry, Counter, Histogram, Registry } from 'prom-client';
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

  it('aggregate across cluster workers exactly as prom-client metrics do (bodhi serve --workers N)', async () => {
    const pair = () => {
      const ours = new Registry();
      const theirs = new Registry();
      return {
        ours,
        theirs,
        histogram: new TallyHistogram({ name: 'h_seconds', help: 'h', labelNames, registry: ours }, BUCKETS),
        counter: new TallyCounter({ name: 'c_total', help: 'c', labelNames, registry: ours }),
        promHistogram: new Histogram({ name: 'h_seconds', help: 'h', labelNames, buckets: BUCKETS, registers: [theirs] }),
        promCounter: new Counter({ name: 'c_total', help: 'c', labelNames, registers: [theirs] }),
      };
    };
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), observation), { maxLength: 40 }), async (observations) => {
        const workers = [pair(), pair(), pair()];
        for (const [w, [route, status, value]] of observations) {
          const worker = workers[w]!;
          worker.histogram.observe([route, status], value);
          worker.counter.inc([route, status]);
          worker.promHistogram.labels(route, status).observe(value);
          worker.promCounter.labels(route, status).inc();
        }
        // What each worker hands the primary (as JSON over IPC), then what the primary renders.
        // (prom-client's histogram values carry `exemplar: null`, which nothing here uses.)
        const overIpc = <T>(value: T): T => JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === 'exemplar' ? undefined : v))) as T;
        const ours = overIpc(await Promise.all(workers.map((w) => w.ours.getMetricsAsJSON())));
        const theirs = overIpc(await Promise.all(workers.map((w) => w.theirs.getMetricsAsJSON())));
        expect(ours).toEqual(theirs);
        expect(await AggregatorRegistry.aggregate(ours).metrics()).toBe(await AggregatorRegistry.aggregate(theirs).metrics());
      }),
      { numRuns: 100 },
    );
  });
});
