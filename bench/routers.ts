// The router cases (#19), both against the gateway only:
//  - router: the same non-streaming call at 64 connections naming the API model's model id and
//    naming a router whose single (healthy) target is that API model and model, alternating in
//    rounds (the order rotates every round); hop CPU per request and req/s, router / API model.
//  - fallback: sequential calls, interleaved call by call: the API model by its model id, a
//    router whose first target refuses connections and whose second is that API model, and the
//    bench's own refused connects to the same port (net, and undici as a client library sees
//    them). Added latency = fallback − API model − refused connect (net), per round, then the
//    median over rounds.
import { createConnection } from 'node:net';
import { Client, type Dispatcher } from 'undici';
import { runLoad, requestBody } from './load.js';
import type { Plan } from './plan.js';
import { median, Samples } from './stats.js';
import { MODEL, type RouterLab, type Target } from './targets.js';

export interface RouterFigures {
  /** Median req/s over rounds. */
  directRps: number;
  routerRps: number;
  directP50: number;
  routerP50: number;
  directP99: number;
  routerP99: number;
  /** Hop CPU per request over all rounds, µs. */
  directCpuUs: number;
  routerCpuUs: number;
  /** Median over rounds of router / API model in the same round. */
  cpuRatio: number;
  rpsRatio: number;
  /** Each round's CPU ratio, in order (to show the spread). */
  cpuRatios: number[];
  errors: { direct: number; router: number };
  /** An A/A run (--router-aa): the "router" series named the model id too. */
  aa: boolean;
}

export interface FallbackFigures {
  /** Medians over rounds of each round's percentile, ms. */
  direct: { p50: number; p99: number };
  fallback: { p50: number; p99: number };
  refusedNet: { p50: number; p99: number };
  refusedUndici: { p50: number; p99: number };
  /** fallback − direct − refused connect (net), per round, median over rounds, ms. */
  addedP50: number;
  addedP99: number;
  /** The same without subtracting the refused connect. */
  viaFallbackP50: number;
  viaFallbackP99: number;
  calls: number;
  errors: number;
  /** Refused attempts the gateway counted for the fallback router (bodhi_router_fallbacks_total) during the rounds. */
  fallbacksCounted: number | null;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const fmt = (n: number, digits = 2) => n.toFixed(digits);

/** `aa`: an A/A run, both series naming the model id (how far apart two identical series come out). */
export async function measureRouter(gateway: Target, routers: RouterLab, plan: Plan, aa = false): Promise<RouterFigures> {
  const { rounds, seconds, connections } = plan.router;
  const direct: Target = { ...gateway, model: MODEL };
  const router: Target = { ...gateway, model: aa ? MODEL : routers.router };
  // Both series get the same warm-up, alternating (its router path is new to the gateway): in
  // A/A runs (both series naming the model id) the series warmed up alone came out about 25 %
  // behind the other in CPU per request, round after round.
  for (let i = 0; i < 2; i++) {
    for (const t of [direct, router]) {
      const w = await runLoad(t, { connections, durationS: plan.warmupS / 2 });
      if (w.requests === 0) throw new Error(`${t.model}: no successful request during warm-up (${w.errors} errors)`);
    }
  }
  type Row = { rps: number[]; p50: number[]; p99: number[]; cpuMs: number[]; requests: number[]; errors: number };
  const rows: [Row, Row] = [
    { rps: [], p50: [], p99: [], cpuMs: [], requests: [], errors: 0 },
    { rps: [], p50: [], p99: [], cpuMs: [], requests: [], errors: 0 },
  ];
  const both = [direct, router] as const;
  for (let round = 0; round < rounds; round++) {
    for (const which of round % 2 ? [1, 0] : [0, 1]) {
      const r = await runLoad(both[which]!, { connections, durationS: seconds });
      const row = rows[which]!;
      row.rps.push(r.rps);
      row.p50.push(r.latency.percentile(50));
      row.p99.push(r.latency.percentile(99));
      row.cpuMs.push(r.hopCpuMs ?? NaN);
      row.requests.push(r.requests);
      row.errors += r.errors;
    }
    const us = (row: Row) => (row.cpuMs[round]! * 1000) / row.requests[round]!;
    log(
      `  round ${round + 1}/${rounds}: API model ${fmt(rows[0].rps[round]!, 0)} req/s ${fmt(us(rows[0]), 1)} µs/req, ` +
        `router ${fmt(rows[1].rps[round]!, 0)} req/s ${fmt(us(rows[1]), 1)} µs/req`,
    );
  }
  const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);
  const cpuUs = (row: Row) => (sum(row.cpuMs) * 1000) / sum(row.requests);
  const [d, r] = rows;
  const cpuRatios = r.cpuMs.map((ms, i) => ms / r.requests[i]! / (d.cpuMs[i]! / d.requests[i]!));
  return {
    directRps: median(d.rps),
    routerRps: median(r.rps),
    directP50: median(d.p50),
    routerP50: median(r.p50),
    directP99: median(d.p99),
    routerP99: median(r.p99),
    directCpuUs: cpuUs(d),
    routerCpuUs: cpuUs(r),
    cpuRatio: median(cpuRatios),
    rpsRatio: median(r.rps.map((v, i) => v / d.rps[i]!)),
    cpuRatios,
    errors: { direct: d.errors, router: r.errors },
    aa,
  };
}

/** One call through a keep-alive client: its time to the end of the answer, ms; rejects unless 2xx. */
function timedCall(client: Client, headers: Record<string, string>, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let status = 0;
    const handler: Dispatcher.DispatchHandler = {
      onConnect() {},
      onHeaders(statusCode) {
        status = statusCode;
        return true;
      },
      onData() {
        return true;
      },
      onComplete() {
        const ms = performance.now() - t0;
        if (status >= 200 && status < 300) resolve(ms);
        else reject(new Error(`status ${status}`));
      },
      onError: reject,
    };
    client.dispatch({ path: '/v1/responses', method: 'POST', headers, body }, handler);
  });
}

/** The time a plain TCP connect to a refused loopback port takes to fail, ms. */
function refusedConnect(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      const ms = performance.now() - t0;
      if (err.code === 'ECONNREFUSED') resolve(ms);
      else reject(err);
    });
    socket.once('connect', () => {
      socket.destroy();
      reject(new Error(`something listens on 127.0.0.1:${port}, the port meant to refuse connections`));
    });
  });
}

/** The same through undici (a request on a client whose connect is refused): what an HTTP client library adds. */
function refusedRequest(client: Client): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    client.dispatch(
      { path: '/v1/responses', method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
      {
        onConnect() {},
        onHeaders() {
          reject(new Error('the refused port answered'));
          return false;
        },
        onData() {
          return true;
        },
        onComplete() {},
        onError(err: NodeJS.ErrnoException) {
          const ms = performance.now() - t0;
          if (err.code === 'ECONNREFUSED') resolve(ms);
          else reject(err);
        },
      },
    );
  });
}

/** bodhi_router_fallbacks_total for a router (all targets and reasons), from /metrics; null if unreadable. */
async function fallbacksTotal(gateway: Target, routers: RouterLab): Promise<number | null> {
  try {
    const res = await fetch(`${gateway.origin}/metrics`, { headers: routers.adminHeaders });
    if (!res.ok) return null;
    let sum = 0;
    for (const line of (await res.text()).split('\n'))
      if (line.startsWith('bodhi_router_fallbacks_total{') && line.includes(`router="${routers.fallback}"`)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
    return sum;
  } catch {
    return null;
  }
}

export async function measureFallback(gateway: Target, routers: RouterLab, plan: Plan): Promise<FallbackFigures> {
  const { rounds, calls, intervalMs } = plan.fallback;
  const headers = { ...gateway.headers, 'content-type': 'application/json' };
  const directClient = new Client(gateway.origin, { pipelining: 1, keepAliveTimeout: 60_000 });
  const fallbackClient = new Client(gateway.origin, { pipelining: 1, keepAliveTimeout: 60_000 });
  const refusedClient = new Client(`http://127.0.0.1:${routers.refusedPort}`, { pipelining: 1 });
  const directBody = requestBody(MODEL);
  const fallbackBody = requestBody(routers.fallback);
  const series = [
    () => timedCall(directClient, headers, directBody),
    () => timedCall(fallbackClient, headers, fallbackBody),
    () => refusedConnect(routers.refusedPort),
    () => refusedRequest(refusedClient),
  ];
  let errors = 0;
  let firstError: unknown;
  const run = async (samples: Samples[], n: number) => {
    let next = performance.now();
    for (let i = 0; i < n; i++) {
      // Call by call, the series take turns, each first as often as the others.
      for (let j = 0; j < series.length; j++) {
        const s = (i + j) % series.length;
        const wait = next - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        next = performance.now() + intervalMs;
        try {
          samples[s]!.add(await series[s]!());
        } catch (err) {
          errors++;
          firstError ??= err;
        }
      }
    }
  };
  try {
    await run(series.map(() => new Samples()), 50); // JIT, connections
    errors = 0;
    firstError = undefined;
    const before = await fallbacksTotal(gateway, routers);
    const per = series.map(() => ({ p50: [] as number[], p99: [] as number[] }));
    for (let round = 0; round < rounds; round++) {
      const samples = series.map(() => new Samples());
      await run(samples, calls);
      samples.forEach((s, k) => {
        per[k]!.p50.push(s.percentile(50));
        per[k]!.p99.push(s.percentile(99));
      });
      log(
        `  round ${round + 1}/${rounds}: p50 API model ${fmt(per[0]!.p50[round]!, 3)} ms, fallback ${fmt(per[1]!.p50[round]!, 3)} ms, ` +
          `refused connect ${fmt(per[2]!.p50[round]!, 3)} ms (undici ${fmt(per[3]!.p50[round]!, 3)} ms)`,
      );
    }
    if (errors) log(`  ${errors} calls failed (${String(firstError)})`);
    const after = await fallbacksTotal(gateway, routers);
    const [d, fb, net, und] = per as [(typeof per)[0], (typeof per)[0], (typeof per)[0], (typeof per)[0]];
    const two = (x: (typeof per)[0]) => ({ p50: median(x.p50), p99: median(x.p99) });
    const added = (q: 'p50' | 'p99', withRefused: boolean) => median(fb[q].map((v, i) => v - d[q][i]! - (withRefused ? net[q][i]! : 0)));
    return {
      direct: two(d),
      fallback: two(fb),
      refusedNet: two(net),
      refusedUndici: two(und),
      addedP50: added('p50', true),
      addedP99: added('p99', true),
      viaFallbackP50: added('p50', false),
      viaFallbackP99: added('p99', false),
      calls: rounds * calls,
      errors,
      fallbacksCounted: before !== null && after !== null ? after - before : null,
    };
  } finally {
    await Promise.all([directClient.close(), fallbackClient.close(), refusedClient.close()]);
  }
}
