// The five measurements, each alternating the targets in rounds (the order rotates every round)
// and reporting medians over rounds; "added" figures are paired per round (via minus direct in
// the same round) before the median is taken.
import { runLoad, runPaced } from './load.js';
import type { Plan } from './plan.js';
import { peakRssMb, resetPeakRss, rssMb } from './proc.js';
import { median } from './stats.js';
import { runStreams, streamPool } from './streams.js';
import { WORKERS, type Target, type TargetKey } from './targets.js';

export type PerTarget<T> = Partial<Record<TargetKey, T>>;

export interface ThroughputFigures {
  rps: number;
  p50: number;
  p99: number;
  /** Median over rounds of this target's req/s divided by direct's (bare's) in the same round. */
  vsDirect: number;
  vsBare: number;
  /** The same against the baseline build (--baseline; NaN without it). */
  vsBaseline: number;
  /** The same against Bodhi Gateway as one process: for the `workers` target, the --workers speed-up. */
  vsGateway: number;
  /** Hop CPU time per request, microseconds (null for direct). */
  cpuUsPerRequest: number | null;
  errors: number;
}

export interface LatencyFigures {
  p50: number;
  p99: number;
  addedP50: number;
  addedP99: number;
  cpuUsPerRequest: number | null;
  errors: number;
}

export interface StreamingFigures {
  ttfbP50: number;
  ttfbP99: number;
  delayP50: number;
  delayP99: number;
  addedTtfbP50: number;
  addedTtfbP99: number;
  addedDelayP50: number;
  addedDelayP99: number;
  failed: number;
}

export interface ManyStreamsFigures {
  completed: number;
  failed: number;
  firstError: string | undefined;
  peakOpen: number;
  seconds: number;
  delayP50: number;
  delayP99: number;
  /** Peak RSS of the hop process during this test, MB (null for direct). */
  peakRssMb: number | null;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const fmt = (n: number, digits = 2) => n.toFixed(digits);

/** The targets in a different order each round. */
function rotation(targets: Target[], round: number): Target[] {
  const k = round % targets.length;
  return [...targets.slice(k), ...targets.slice(0, k)];
}

/**
 * Warms every target up (JIT, connection pools) and checks that it answers and streams.
 * Returns, per target that cannot stream, why: those are left out of the streaming tests.
 */
export async function warmUp(targets: Target[], plan: Plan): Promise<PerTarget<string>> {
  const cannotStream: PerTarget<string> = {};
  for (const t of targets) {
    // Two runs, not one: when a run ends, autocannon drops its connections with requests in
    // flight, and a hop's first such burst of aborted requests deoptimises much of its hot path
    // (maps on the abort path change). The next run then spends its first ~0.5 s re-optimising
    // (measured with perf: a quarter of a second of JIT in the gateway, less in the bare
    // proxy). Later bursts cost nothing, so the second warm-up run takes that hit instead of
    // the first measured round.
    // `bodhi serve --workers N` (#22): each worker JITs on its own share of the requests, so
    // that target warms up N times as long to reach the same state.
    const warmupS = (plan.warmupS / 2) * (t.key === 'workers' ? WORKERS : 1);
    await runLoad(t, { connections: plan.throughput.connections, durationS: warmupS });
    const r = await runLoad(t, { connections: plan.throughput.connections, durationS: warmupS });
    if (r.requests === 0) throw new Error(`${t.key}: no successful request during warm-up (${r.errors} errors)`);
    const s = await runStreams(t, { streams: 4, concurrency: 4, events: 20, intervalMs: 5 });
    if (s.failed) {
      if (t.key === 'direct' || t.key === 'gateway' || t.key === 'baseline') throw new Error(`${t.key}: streaming check failed: ${s.firstError}`);
      cannotStream[t.key] = s.firstError ?? 'failed';
    }
    log(`  warm-up ${t.key}: ${fmt(r.rps, 0)} req/s, streams ${s.failed ? `FAIL (${s.firstError})` : 'ok'}`);
  }
  return cannotStream;
}

export async function measureThroughput(targets: Target[], plan: Plan): Promise<PerTarget<ThroughputFigures>> {
  const { rounds, seconds, connections } = plan.throughput;
  const per: PerTarget<{ rps: number[]; p50: number[]; p99: number[]; cpuMs: number; requests: number; errors: number }> = {};
  for (const t of targets) per[t.key] = { rps: [], p50: [], p99: [], cpuMs: 0, requests: 0, errors: 0 };
  for (let round = 0; round < rounds; round++) {
    for (const t of rotation(targets, round)) {
      const r = await runLoad(t, { connections, durationS: seconds });
      const p = per[t.key]!;
      p.rps.push(r.rps);
      p.p50.push(r.latency.percentile(50));
      p.p99.push(r.latency.percentile(99));
      p.cpuMs += r.hopCpuMs ?? 0;
      p.requests += r.requests;
      p.errors += r.errors;
      log(`  round ${round + 1}/${rounds} ${t.key}: ${fmt(r.rps, 0)} req/s, p50 ${fmt(r.latency.percentile(50))} ms`);
    }
  }
  const ratioTo = (key: TargetKey, base: TargetKey) =>
    per[base] ? median(per[key]!.rps.map((rps, i) => rps / per[base]!.rps[i]!)) : NaN;
  const out: PerTarget<ThroughputFigures> = {};
  for (const t of targets) {
    const p = per[t.key]!;
    out[t.key] = {
      rps: median(p.rps),
      p50: median(p.p50),
      p99: median(p.p99),
      vsDirect: ratioTo(t.key, 'direct'),
      vsBare: ratioTo(t.key, 'bare'),
      vsBaseline: ratioTo(t.key, 'baseline'),
      vsGateway: ratioTo(t.key, 'gateway'),
      cpuUsPerRequest: t.pid ? (p.cpuMs * 1000) / p.requests : null,
      errors: p.errors,
    };
  }
  return out;
}

export async function measureFixedRate(targets: Target[], plan: Plan): Promise<PerTarget<LatencyFigures>> {
  const { rounds, seconds, rate, connections } = plan.fixedRate;
  const per: PerTarget<{ p50: number[]; p99: number[]; cpuMs: number; requests: number; errors: number }> = {};
  for (const t of targets) per[t.key] = { p50: [], p99: [], cpuMs: 0, requests: 0, errors: 0 };
  for (let round = 0; round < rounds; round++) {
    for (const t of rotation(targets, round)) {
      const r = await runPaced(t, { connections, durationS: seconds, rate });
      const p = per[t.key]!;
      p.p50.push(r.latency.percentile(50));
      p.p99.push(r.latency.percentile(99));
      p.cpuMs += r.hopCpuMs ?? 0;
      p.requests += r.requests;
      p.errors += r.errors;
    }
    log(`  round ${round + 1}/${rounds}: ${targets.map((t) => `${t.key} p50 ${fmt(per[t.key]!.p50[round]!, 3)} ms`).join(', ')}`);
  }
  const direct = per.direct!;
  const out: PerTarget<LatencyFigures> = {};
  for (const t of targets) {
    const p = per[t.key]!;
    out[t.key] = {
      p50: median(p.p50),
      p99: median(p.p99),
      addedP50: median(p.p50.map((v, i) => v - direct.p50[i]!)),
      addedP99: median(p.p99.map((v, i) => v - direct.p99[i]!)),
      cpuUsPerRequest: t.pid ? (p.cpuMs * 1000) / p.requests : null,
      errors: p.errors,
    };
  }
  return out;
}

export async function measureStreaming(targets: Target[], plan: Plan): Promise<PerTarget<StreamingFigures>> {
  const { rounds, ...stream } = plan.streaming;
  // Each target keeps one client pool across rounds, warmed first, so TTFB measures the hop and
  // not TCP set-up; stream starts are spread over one stream's length, as independent clients'.
  const pools = new Map(targets.map((t) => [t.key, streamPool(t, stream.concurrency)]));
  for (const t of targets) await runStreams(t, { streams: stream.concurrency, concurrency: stream.concurrency, events: 2, intervalMs: 1, pool: pools.get(t.key)! });
  const opts = { ...stream, rampMs: stream.events * stream.intervalMs };
  const keys = ['ttfbP50', 'ttfbP99', 'delayP50', 'delayP99'] as const;
  type Row = Record<(typeof keys)[number], number[]> & { failed: number };
  const per: PerTarget<Row> = {};
  for (const t of targets) per[t.key] = { ttfbP50: [], ttfbP99: [], delayP50: [], delayP99: [], failed: 0 };
  for (let round = 0; round < rounds; round++) {
    for (const t of rotation(targets, round)) {
      const r = await runStreams(t, { ...opts, pool: pools.get(t.key)! });
      const p = per[t.key]!;
      p.ttfbP50.push(r.ttfb.percentile(50));
      p.ttfbP99.push(r.ttfb.percentile(99));
      p.delayP50.push(r.eventDelay.percentile(50));
      p.delayP99.push(r.eventDelay.percentile(99));
      p.failed += r.failed;
      if (r.failed) log(`  ${t.key}: ${r.failed} streams failed (${r.firstError})`);
    }
    log(`  round ${round + 1}/${rounds}: ${targets.map((t) => `${t.key} event p99 ${fmt(per[t.key]!.delayP99[round]!, 3)} ms`).join(', ')}`);
  }
  await Promise.all([...pools.values()].map((p) => p.close()));
  const direct = per.direct!;
  const added = (p: Row, k: (typeof keys)[number]) => median(p[k].map((v, i) => v - direct[k][i]!));
  const out: PerTarget<StreamingFigures> = {};
  for (const t of targets) {
    const p = per[t.key]!;
    out[t.key] = {
      ttfbP50: median(p.ttfbP50),
      ttfbP99: median(p.ttfbP99),
      delayP50: median(p.delayP50),
      delayP99: median(p.delayP99),
      addedTtfbP50: added(p, 'ttfbP50'),
      addedTtfbP99: added(p, 'ttfbP99'),
      addedDelayP50: added(p, 'delayP50'),
      addedDelayP99: added(p, 'delayP99'),
      failed: p.failed,
    };
  }
  return out;
}

export async function measureManyStreams(targets: Target[], plan: Plan): Promise<PerTarget<ManyStreamsFigures>> {
  const { streams, events, intervalMs, rampMs } = plan.manyStreams;
  const out: PerTarget<ManyStreamsFigures> = {};
  for (const t of targets) {
    // Peak RSS during this test only: reset the kernel's high-water mark, and sample as well
    // in case the reset is not permitted.
    const pid = t.pid;
    const canReset = pid ? resetPeakRss(pid) : false;
    let sampledPeak = pid ? rssMb(pid) : 0;
    const started = performance.now();
    const r = await runStreams(t, {
      streams,
      concurrency: streams,
      events,
      intervalMs,
      rampMs,
      onTick: pid ? () => (sampledPeak = Math.max(sampledPeak, rssMb(pid))) : undefined,
    });
    const seconds = (performance.now() - started) / 1000;
    const peak = pid ? (canReset ? Math.max(peakRssMb(pid), sampledPeak) : sampledPeak) : null;
    out[t.key] = {
      completed: r.completed,
      failed: r.failed,
      firstError: r.firstError,
      peakOpen: r.peakOpen,
      seconds,
      delayP50: r.eventDelay.percentile(50),
      delayP99: r.eventDelay.percentile(99),
      peakRssMb: peak,
    };
    log(
      `  ${t.key}: ${r.completed}/${streams} complete, ${r.failed} failed, ${r.peakOpen} open at peak, event p99 ${fmt(r.eventDelay.percentile(99))} ms` +
        (peak !== null ? `, peak RSS ${fmt(peak, 0)} MB` : '') +
        ` (${fmt(seconds, 1)} s)`,
    );
  }
  return out;
}
