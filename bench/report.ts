// Turns the measurements into the printed table, the budget lines, the comparison with a baseline
// build (--baseline) and bench/results.md.
import { cpus, loadavg } from 'node:os';
import type { LatencyFigures, ManyStreamsFigures, PerTarget, StreamingFigures, ThroughputFigures } from './measure.js';
import type { Plan } from './plan.js';
import type { FallbackFigures, RouterFigures } from './routers.js';
import type { LoopSeries, WsDelayFigures, WsLoopFigures, WsSessionsFigures } from './websocket.js';
import { TARGET_KEYS, TARGET_NAMES, type TargetKey } from './targets.js';

export interface Results {
  plan: Plan;
  startedAt: Date;
  seconds: number;
  loadBefore: number[];
  gatewayLogLines: number;
  /** With --baseline: the git ref measured as the `baseline` target, built in a temporary worktree. */
  baseline?: { ref: string; sha: string; short: string; lockDiffers: boolean; logLines: number } | undefined;
  /** Targets left out of the streaming tests, and why (their streaming check failed). */
  cannotStream: PerTarget<string>;
  throughput: PerTarget<ThroughputFigures>;
  fixedRate: PerTarget<LatencyFigures>;
  streaming: PerTarget<StreamingFigures>;
  manyStreams: PerTarget<ManyStreamsFigures>;
  /** The router cases (#19), gateway only. */
  router?: RouterFigures | undefined;
  fallback?: FallbackFigures | undefined;
  /** The WebSocket cases (#20), gateway only. */
  wsDelay?: WsDelayFigures | undefined;
  wsSessions?: WsSessionsFigures | undefined;
  wsLoop?: WsLoopFigures | undefined;
}

export interface Budget {
  what: string;
  actual: string;
  limit: string;
  pass: boolean;
}

/** How a target is named in the tables (the baseline after its commit). */
export const targetName = (r: Pick<Results, 'baseline'>, k: TargetKey) => (k === 'baseline' && r.baseline ? `Bodhi Gateway @ ${r.baseline.short}` : TARGET_NAMES[k]);

/** Routers (#19): a healthy router's CPU per request within 5 % of naming the API model; a fallback adds at most 1 ms beyond the refused attempt. */
export const ROUTER_CPU_BUDGET = 1.05;
export const FALLBACK_ADDED_MS_BUDGET = 1;

/** Responses over WebSocket (#20): a native session adds at most 1 ms per frame (p99) to a direct WebSocket. */
export const WS_FRAME_ADDED_MS_BUDGET = 1;

/** How far the current build may fall behind the baseline build at 64 connections (--baseline). */
export const BASELINE_TOLERANCE = 0.05;

const f = (n: number | null | undefined, digits = 2) => (n === null || n === undefined || Number.isNaN(n) ? '-' : n.toFixed(digits));
const x = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '-' : `${n.toFixed(2)}x`);

export function budgets(r: Results): Budget[] {
  const t = r.throughput;
  const gw = t.gateway;
  const out: Budget[] = [];
  const add = (what: string, actual: number | undefined, limit: number, atLeast: boolean, unit: string, digits = 2) =>
    out.push({
      what,
      actual: actual === undefined || Number.isNaN(actual) ? 'not measured' : `${actual.toFixed(digits)}${unit}`,
      limit: `${atLeast ? '>=' : '<='} ${limit}${unit}`,
      pass: actual !== undefined && !Number.isNaN(actual) && (atLeast ? actual >= limit : actual <= limit),
    });
  add('Throughput vs bare proxy (c=64)', gw?.vsBare, 1.0, true, 'x');
  const vsPortkey = gw && t.portkey ? gw.rps / t.portkey.rps : undefined;
  add('Throughput vs Portkey (c=64)', vsPortkey, 8, true, 'x', 1);
  const cpuRatio = gw?.cpuUsPerRequest && t.bare?.cpuUsPerRequest ? gw.cpuUsPerRequest / t.bare.cpuUsPerRequest : undefined;
  add('CPU per request vs bare proxy (c=64)', cpuRatio, 1.0, false, 'x');
  add('Added latency at 500 req/s, p50', r.fixedRate.gateway?.addedP50, 0.5, false, ' ms', 3);
  add('Added latency at 500 req/s, p99', r.fixedRate.gateway?.addedP99, 2, false, ' ms', 3);
  add('Streaming: added per-event delay, p99', r.streaming.gateway?.addedDelayP99, 2, false, ' ms', 3);
  add('Streaming: added TTFB, p50', r.streaming.gateway?.addedTtfbP50, 2, false, ' ms', 3);
  const many = r.manyStreams.gateway;
  const want = r.plan.manyStreams.streams;
  out.push({
    what: `${want} concurrent streams: all complete, zero errors`,
    actual: many ? `${many.completed} complete, ${many.failed} errors, ${many.peakOpen} open at peak` : 'not measured',
    limit: `${want} complete, 0 errors`,
    pass: !!many && many.completed === want && many.failed === 0 && many.peakOpen === want,
  });
  add(`${want} concurrent streams: gateway peak RSS`, many?.peakRssMb ?? undefined, 250, false, ' MB', 0);
  const rt = r.router && r.router.errors.router === 0 && !r.router.aa ? r.router : undefined; // a router answering errors (or an A/A run) measures nothing
  add(`Router vs API model: CPU per request (c=${r.plan.router.connections}, router / API model)`, rt?.cpuRatio, ROUTER_CPU_BUDGET, false, 'x', 3);
  const fb = r.fallback && r.fallback.errors === 0 ? r.fallback : undefined;
  add('Router fallback: added latency beyond the refused connect, p50', fb?.addedP50, FALLBACK_ADDED_MS_BUDGET, false, ' ms', 3);
  add('Router fallback: added latency beyond the refused connect, p99', fb?.addedP99, FALLBACK_ADDED_MS_BUDGET, false, ' ms', 3);
  const wd = r.wsDelay && r.wsDelay.errors === 0 ? r.wsDelay : undefined;
  add('WebSocket: added per-frame delay, native session vs direct WebSocket, p99', wd?.addedP99, WS_FRAME_ADDED_MS_BUDGET, false, ' ms', 3);
  const ws = r.wsSessions;
  const wantWs = r.plan.wsSessions.sessions;
  out.push({
    what: `${wantWs} concurrent WebSocket sessions: all open, one turn each, zero errors`,
    actual: ws ? `${ws.opened} open, ${ws.turns} turns, ${ws.errors} errors, gateway RSS +${f(ws.rssOpenMb - ws.rssBeforeMb, 0)} MB (${f(ws.kbPerSession, 0)} KB per session)` : 'not measured',
    limit: `${wantWs} open, ${wantWs} turns, 0 errors`,
    pass: !!ws && ws.opened === wantWs && ws.turns === wantWs && ws.errors === 0,
  });
  return out;
}

/** current / baseline, or undefined when either is missing or zero. */
const ratio = (cur: number | null | undefined, base: number | null | undefined) =>
  cur === null || cur === undefined || base === null || base === undefined || Number.isNaN(cur) || Number.isNaN(base) || base === 0 ? undefined : cur / base;

/**
 * The regression guard (only with --baseline): throughput and CPU per request of the current
 * build at 64 connections within BASELINE_TOLERANCE of the baseline build measured in the same
 * run. Being faster or leaner than the baseline always passes.
 */
export function baselineChecks(r: Results): Budget[] {
  if (!r.baseline) return [];
  const t = r.throughput;
  const pct = `${(BASELINE_TOLERANCE * 100).toFixed(0)} %`;
  const check = (what: string, actual: number | undefined, limit: number, atLeast: boolean): Budget => ({
    what,
    actual: actual === undefined || Number.isNaN(actual) ? 'not measured' : `${actual.toFixed(3)}x`,
    limit: `${atLeast ? '>=' : '<='} ${limit.toFixed(2)}x`,
    pass: actual !== undefined && !Number.isNaN(actual) && (atLeast ? actual >= limit : actual <= limit),
  });
  return [
    check(`Throughput at ${r.plan.throughput.connections} connections within ${pct} of baseline (current / baseline)`, t.gateway?.vsBaseline, 1 - BASELINE_TOLERANCE, true),
    check(`CPU per request at ${r.plan.throughput.connections} connections within ${pct} of baseline (current / baseline)`, ratio(t.gateway?.cpuUsPerRequest, t.baseline?.cpuUsPerRequest), 1 + BASELINE_TOLERANCE, false),
  ];
}

/** "main (1a2b3c4)", or only the short sha when the ref is one. */
const refAndSha = (b: { ref: string; sha: string; short: string }) => (b.sha.startsWith(b.ref.toLowerCase()) ? b.short : `${b.ref} (${b.short})`);

function baselineSection(r: Results): string {
  const b = r.baseline;
  if (!b) return '';
  const p = r.plan;
  const rows: (string | number)[][] = [];
  const add = <T>(label: string, data: Partial<Record<TargetKey, T>>, pick: (v: T) => number | null | undefined, digits: number, paired?: number) => {
    const cur = data.gateway ? pick(data.gateway) : undefined;
    const base = data.baseline ? pick(data.baseline) : undefined;
    if (cur === undefined && base === undefined) return;
    rows.push([label, f(cur, digits), f(base, digits), x(paired ?? ratio(cur, base))]);
  };
  const c = p.throughput.connections;
  add(`req/s at ${c} connections (ratio: median of per-round ratios)`, r.throughput, (v) => v.rps, 0, r.throughput.gateway?.vsBaseline);
  add(`p50 latency at ${c} connections (ms)`, r.throughput, (v) => v.p50, 2);
  add(`p99 latency at ${c} connections (ms)`, r.throughput, (v) => v.p99, 2);
  add(`hop CPU per request at ${c} connections (µs)`, r.throughput, (v) => v.cpuUsPerRequest, 1);
  add(`p50 at ${p.fixedRate.rate} req/s (ms)`, r.fixedRate, (v) => v.p50, 3);
  add(`p99 at ${p.fixedRate.rate} req/s (ms)`, r.fixedRate, (v) => v.p99, 3);
  add(`hop CPU per request at ${p.fixedRate.rate} req/s (µs)`, r.fixedRate, (v) => v.cpuUsPerRequest, 1);
  add('streaming: TTFB p50 (ms)', r.streaming, (v) => v.ttfbP50, 3);
  add('streaming: TTFB p99 (ms)', r.streaming, (v) => v.ttfbP99, 3);
  add('streaming: event delay p50 (ms)', r.streaming, (v) => v.delayP50, 3);
  add('streaming: event delay p99 (ms)', r.streaming, (v) => v.delayP99, 3);
  add(`${p.manyStreams.streams} streams: event delay p50 (ms)`, r.manyStreams, (v) => v.delayP50, 2);
  add(`${p.manyStreams.streams} streams: event delay p99 (ms)`, r.manyStreams, (v) => v.delayP99, 2);
  add(`${p.manyStreams.streams} streams: hop peak RSS (MB)`, r.manyStreams, (v) => v.peakRssMb, 0);
  const checks = baselineChecks(r);
  const passed = checks.filter((k) => k.pass).length;
  return `
## Bodhi Gateway vs baseline ${refAndSha(b)}, same run

Below 1.00x is better for latency, CPU and memory; above 1.00x is better for req/s. Ratios of latencies compare whole round trips (upstream and client included), not only the hop's share.

${rows.length ? table(['', TARGET_NAMES.gateway, targetName(r, 'baseline'), 'current / baseline'], rows) : '(no test measured both)'}

### Regression guard (${passed}/${checks.length} pass)

${checks.map((k) => `- ${k.pass ? 'PASS' : 'FAIL'} ${k.what}: ${k.actual} (limit ${k.limit})`).join('\n')}
`;
}

function table(header: string[], rows: (string | number)[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function render(r: Results): string {
  const keys = TARGET_KEYS.filter((k) => r.throughput[k] || r.fixedRate[k] || r.streaming[k] || r.manyStreams[k]);
  const head = ['', ...keys.map((k) => targetName(r, k))];
  const row = <T>(label: string, data: PerTarget<T>, pick: (v: T, k: TargetKey) => string) => [label, ...keys.map((k) => (data[k] ? pick(data[k]!, k) : '-'))];
  const p = r.plan;
  const cpu = cpus();
  const budgetLines = budgets(r);
  const passed = budgetLines.filter((b) => b.pass).length;

  return `# Benchmark results

Machine: ${cpu.length} cores, ${cpu[0]?.model ?? 'unknown CPU'}; Node ${process.version}; ${process.platform} ${process.arch}.
Run: ${r.startedAt.toISOString()} (${p.name}, ${r.seconds.toFixed(0)} s); load average before: ${r.loadBefore.map((l) => l.toFixed(2)).join(' ')}.
Everything ran on this one machine: a lean node:http upstream, the hop under test, and the client (autocannon / an undici SSE client), each its own process.
The targets alternate in short rounds (the order rotates every round); figures are medians over rounds, and "added" figures are paired per round (via − direct) before the median.
Bodhi Gateway ran as \`bodhi serve\` with an API model and token created with the CLI, SQLite, info-level logging to a file (${r.gatewayLogLines} log lines written).
${baselineNote(r)}
## 1. Non-streaming \`POST /v1/responses\`, ${p.throughput.connections} connections (${p.throughput.rounds} rounds × ${p.throughput.seconds} s per target)

${table(head, [
  row('req/s', r.throughput, (v) => f(v.rps, 0)),
  row('p50 latency (ms)', r.throughput, (v) => f(v.p50)),
  row('p99 latency (ms)', r.throughput, (v) => f(v.p99)),
  row('vs direct', r.throughput, (v) => x(v.vsDirect)),
  row('vs bare proxy', r.throughput, (v) => x(v.vsBare)),
  row('hop CPU per request (µs)', r.throughput, (v) => f(v.cpuUsPerRequest, 1)),
  row('errors', r.throughput, (v) => String(v.errors)),
])}

## 2. Added latency at a fixed ${p.fixedRate.rate} req/s (evenly paced, open loop, up to ${p.fixedRate.connections} keep-alive connections; ${p.fixedRate.rounds} rounds × ${p.fixedRate.seconds} s)

${table(head, [
  row('p50 (ms)', r.fixedRate, (v) => f(v.p50, 3)),
  row('p99 (ms)', r.fixedRate, (v) => f(v.p99, 3)),
  row('added p50 (ms)', r.fixedRate, (v, k) => (k === 'direct' ? '-' : f(v.addedP50, 3))),
  row('added p99 (ms)', r.fixedRate, (v, k) => (k === 'direct' ? '-' : f(v.addedP99, 3))),
  row('hop CPU per request (µs)', r.fixedRate, (v) => f(v.cpuUsPerRequest, 1)),
  row('errors', r.fixedRate, (v) => String(v.errors)),
])}

## 3. Streaming: ${p.streaming.events}-event streams, ${p.streaming.intervalMs} ms apart (${p.streaming.concurrency} at a time, ${p.streaming.streams} per round, ${p.streaming.rounds} rounds)

TTFB: request start to response head. Event delay: client receive time − upstream send time (same clock).

${table(head, [
  row('TTFB p50 (ms)', r.streaming, (v) => f(v.ttfbP50, 3)),
  row('TTFB p99 (ms)', r.streaming, (v) => f(v.ttfbP99, 3)),
  row('added TTFB p50 (ms)', r.streaming, (v, k) => (k === 'direct' ? '-' : f(v.addedTtfbP50, 3))),
  row('added TTFB p99 (ms)', r.streaming, (v, k) => (k === 'direct' ? '-' : f(v.addedTtfbP99, 3))),
  row('event delay p50 (ms)', r.streaming, (v) => f(v.delayP50, 3)),
  row('event delay p99 (ms)', r.streaming, (v) => f(v.delayP99, 3)),
  row('added event delay p50 (ms)', r.streaming, (v, k) => (k === 'direct' ? '-' : f(v.addedDelayP50, 3))),
  row('added event delay p99 (ms)', r.streaming, (v, k) => (k === 'direct' ? '-' : f(v.addedDelayP99, 3))),
  row('failed streams', r.streaming, (v) => String(v.failed)),
])}

${streamNotes(r)}
## 4. ${p.manyStreams.streams} concurrent streams (${p.manyStreams.events} events, ${p.manyStreams.intervalMs} ms apart; all opened within ${p.manyStreams.rampMs} ms)

${table(head, [
  row('completed', r.manyStreams, (v) => String(v.completed)),
  row('errors', r.manyStreams, (v) => String(v.failed) + (v.firstError ? ` (${v.firstError})` : '')),
  row('open at peak', r.manyStreams, (v) => String(v.peakOpen)),
  row('event delay p50 (ms)', r.manyStreams, (v) => f(v.delayP50)),
  row('event delay p99 (ms)', r.manyStreams, (v) => f(v.delayP99)),
  row('hop peak RSS (MB)', r.manyStreams, (v) => f(v.peakRssMb, 0)),
  row('duration (s)', r.manyStreams, (v) => f(v.seconds, 1)),
])}

## 5. Hop CPU time per request (utime + stime of the hop process from /proc, over the runs above, / requests)

${table(['', ...keys.filter((k) => k !== 'direct').map((k) => targetName(r, k)), 'Bodhi Gateway / bare proxy'], [
  cpuRow('at 64 connections (µs)', r.throughput, keys),
  cpuRow(`at ${p.fixedRate.rate} req/s (µs)`, r.fixedRate, keys),
])}

${routerSections(r)}${websocketSections(r)}
## Budgets (${passed}/${budgetLines.length} pass)

${budgetLines.map((b) => `- ${b.pass ? 'PASS' : 'FAIL'} ${b.what}: ${b.actual} (budget ${b.limit})`).join('\n')}
${baselineSection(r)}`;
}

function routerSections(r: Results): string {
  const p = r.plan;
  const rt = r.router;
  const fb = r.fallback;
  const routerTable = rt
    ? (rt.aa ? '**A/A run (--router-aa): both series named the model id; no router was called.**\n\n' : '') +
      table(['', 'API model (model id)', rt.aa ? 'API model again (A/A)' : 'router (one target)', 'router / API model'], [
        ['req/s (ratio: median of per-round ratios)', f(rt.directRps, 0), f(rt.routerRps, 0), x(rt.rpsRatio)],
        ['p50 latency (ms)', f(rt.directP50), f(rt.routerP50), x(rt.routerP50 / rt.directP50)],
        ['p99 latency (ms)', f(rt.directP99), f(rt.routerP99), x(rt.routerP99 / rt.directP99)],
        ['hop CPU per request (µs; ratio: median of per-round ratios)', f(rt.directCpuUs, 1), f(rt.routerCpuUs, 1), rt.cpuRatio.toFixed(3) + 'x'],
        ['errors', String(rt.errors.direct), String(rt.errors.router), '-'],
      ]) + `\n\nPer-round CPU ratios: ${rt.cpuRatios.map((v) => v.toFixed(3)).join(', ')}.`
    : '(not measured in this run)';
  const fallbackTable = fb
    ? table(['', 'p50 (ms)', 'p99 (ms)'], [
        ['API model by model id', f(fb.direct.p50, 3), f(fb.direct.p99, 3)],
        ['fallback router (refused, then the API model)', f(fb.fallback.p50, 3), f(fb.fallback.p99, 3)],
        ['refused TCP connect (net, the bench itself)', f(fb.refusedNet.p50, 3), f(fb.refusedNet.p99, 3)],
        ['refused request (undici client, for comparison)', f(fb.refusedUndici.p50, 3), f(fb.refusedUndici.p99, 3)],
        ['fallback − API model', f(fb.viaFallbackP50, 3), f(fb.viaFallbackP99, 3)],
        ['**added: fallback − API model − refused connect**', f(fb.addedP50, 3), f(fb.addedP99, 3)],
      ]) +
      `\n\n${fb.calls} calls per series, ${fb.errors} failed; the gateway counted ${fb.fallbacksCounted ?? '?'} fallbacks of the router (one per fallback call expected).`
    : '(not measured in this run)';
  return `
## 6. Router vs API model (#19): ${p.router.connections} connections, the gateway named by model id and by a one-target router (${p.router.rounds} rounds × ${p.router.seconds} s each, alternating)

The router's single target is the same API model and model id, so both send the upstream the same call; the difference is the router's own work.

${routerTable}

## 7. Router fallback (#19): first target refuses the connection, the second answers (sequential calls, ${p.fallback.rounds} rounds × ${p.fallback.calls} calls per series, one call every ${p.fallback.intervalMs} ms at most)

The series take turns call by call: the API model by its model id, a router (failure_threshold 1000, failure_window_ms 1, cooldown_ms 0, so the refused target is tried on every call) whose first target's base URL is a refused loopback port and whose second is that API model, and the bench's own connects to that port. Figures are medians over rounds of each round's percentile; "added" is paired per round.

${fallbackTable}
`;
}

function websocketSections(r: Results): string {
  const p = r.plan;
  const d = r.wsDelay;
  const s = r.wsSessions;
  const l = r.wsLoop;
  if (!d && !s && !l) return '';
  const delayTable = d
    ? table(['', 'p50 (ms)', 'p99 (ms)'], [
        ['direct WebSocket to the upstream', f(d.direct.p50, 3), f(d.direct.p99, 3)],
        ['through the gateway (native session)', f(d.gateway.p50, 3), f(d.gateway.p99, 3)],
        ['**added per frame**', f(d.addedP50, 3), f(d.addedP99, 3)],
        ['added, response.created frames only (held for the routing record)', f(d.createdAddedP50, 3), f(d.createdAddedP99, 3)],
        ['added, all other frames', f(d.restAddedP50, 3), f(d.restAddedP99, 3)],
      ]) +
      `\n\nPer-round added p99: ${d.addedP99s.map((v) => v.toFixed(3)).join(', ')} ms. ${d.frames} frames through the gateway, ${d.errors} failed turns${d.firstError ? ` (${d.firstError})` : ''}.`
    : '(not measured in this run)';
  const sessionsTable = s
    ? table(['', ''], [
        ['sessions opened', `${s.opened} / ${s.sessions} (${f(s.openSeconds, 1)} s, ${p.wsSessions.openConcurrency} handshakes at a time)`],
        ['turns completed', `${s.turns} (${s.peakTurns} in flight at once)`],
        ['errors', `${s.errors}${s.firstError ? ` (${s.firstError})` : ''}`],
        ['gateway RSS before (MB)', f(s.rssBeforeMb, 0)],
        ['gateway RSS, all sessions open after their turns (MB)', f(s.rssOpenMb, 0)],
        ['gateway peak RSS (MB)', f(s.peakRssMb, 0)],
        ['gateway RSS after closing them all (MB)', f(s.rssClosedMb, 0)],
        ['**RSS per open session (KB)**', f(s.kbPerSession, 0)],
        ['frame delay p50 / p99 (ms)', `${f(s.delayP50)} / ${f(s.delayP99)}`],
        ['duration (s)', f(s.seconds, 1)],
      ])
    : '(not measured in this run)';
  const loopRow = (name: string, v: LoopSeries, isHttp = false) => [
    name,
    f(v.mean, 3),
    f(v.p50, 3),
    f(v.p99, 3),
    f(v.firstTurn, 3),
    isHttp ? '-' : x(v.meanRatio),
    isHttp ? '-' : x(v.p50Ratio),
    `${v.turns} / ${v.errors}`,
  ];
  const loopTable = l
    ? table(['', 'mean (ms)', 'p50 (ms)', 'p99 (ms)', 'first turn, mean (ms)', 'mean / HTTP', 'p50 / HTTP', 'turns / failed loops'], [
        loopRow('HTTP POST /v1/responses, stream: true (keep-alive)', l.http, true),
        loopRow('WebSocket, native session', l.native),
        loopRow('WebSocket, bridged session (HTTP upstream)', l.bridged),
      ]) + (l.firstError ? `\n\nFirst failure: ${l.firstError}.` : '')
    : '(not measured in this run)';
  return `
## 8. Responses over WebSocket (#20): added per-frame delay (${p.wsDelay.sessions} sessions per series, ${p.wsDelay.turns} turns of ${p.wsDelay.events} frames ${p.wsDelay.intervalMs} ms apart per round, ${p.wsDelay.rounds} rounds, alternating)

The same upstream's WebSocket mode reached directly and through the gateway with an API model that has \`websocket: true\` (frames relayed as they are). Delay: receive time here − the upstream's send time stamped in the frame (same clock). Figures are medians over rounds of each round's percentile; "added" is paired per round. Responses are stored (the default), so the gateway holds each response.created frame until its routing record is committed.

${delayTable}

## 9. ${p.wsSessions.sessions} concurrent WebSocket sessions through the gateway (native; one turn of ${p.wsSessions.events} frames ${p.wsSessions.intervalMs} ms apart each, started over ${p.wsSessions.rampMs} ms)

Each session is a client WebSocket to the gateway and, once bound by its first \`response.create\`, the gateway's WebSocket to the upstream. RSS from /proc; per session = (all open − before) / sessions.

${sessionsTable}

## 10. Agent loop over WebSocket vs HTTP through the gateway (${l?.turnsPerLoop ?? p.wsLoop.turns} turns per loop, each continuing the last with previous_response_id, store: false; ${l?.events ?? p.wsLoop.events} events per turn, sent back to back; ${p.wsLoop.rounds} rounds × ${p.wsLoop.loops} loops per series, interleaved loop by loop)

Time per turn: the create sent to its response.completed received. Each WebSocket loop opens its own session (the handshake is not counted; a native session's first turn includes the gateway dialling the upstream). A bridged session sends the upstream the whole conversation each turn (the upstream has no WebSocket mode); the HTTP loop sends the same small body every turn. Figures are medians over rounds; ratios are medians of per-round ratios.

${loopTable}
`;
}

function baselineNote(r: Results): string {
  const b = r.baseline;
  if (!b) return '';
  return (
    `${targetName(r, 'baseline')} is the baseline, ${b.ref} (${b.sha}): built with tsc in a temporary git worktree that uses this checkout's node_modules, and run and set up exactly like Bodhi Gateway with its own data dir (${b.logLines} log lines written).` +
    (b.lockDiffers ? ` Its package-lock.json differs from this checkout's, so it ran with dependency versions other than the ones it pins.` : '') +
    '\n'
  );
}

function cpuRow(label: string, data: PerTarget<{ cpuUsPerRequest: number | null }>, keys: TargetKey[]): string[] {
  const us = (k: TargetKey) => data[k]?.cpuUsPerRequest ?? undefined;
  const gw = us('gateway');
  const bare = us('bare');
  return [label, ...keys.filter((k) => k !== 'direct').map((k) => f(us(k), 1)), gw && bare ? x(gw / bare) : '-'];
}

function streamNotes(r: Results): string {
  const notes = Object.entries(r.cannotStream).map(
    ([k, why]) => `${targetName(r, k as TargetKey)} is left out of the streaming tests: its streaming check failed (${why}).${k === 'portkey' ? ' Portkey 1.15.2 on Node answers `/v1/responses` with `stream: true` with a 500 (`TypeError: immutable` in its response header handling; Portkey-AI/gateway issue #1550).' : ''}`,
  );
  return notes.length ? `${notes.join('\n')}\n` : '';
}

export const loadAverage = () => loadavg();
