// `npm run bench [-- --quick] [-- --profile] [-- --only=direct,gateway] (add `framework` for the Fastify floor) [-- --tests=1,2,3,4,router,fallback,ws-delay,ws-sessions,ws-loop] [-- --baseline <git ref>]`
// Starts the lab (upstream + hops), runs the measurements, prints the table and budget lines,
// and (full run with every target and test) writes bench/results.md.
//
// Tests 1-4 run for every target; `router` and `fallback` (#19) for the gateway only (skipped
// when --only leaves it out): the gateway named by model id vs by a one-target router at 64
// connections (CPU per request), and a router whose first target refuses connections (added
// latency beyond the refused connect). `npm run bench -- --only=gateway --tests=router,fallback`
// runs just those; `--router-aa` makes the router case an A/A run (both series name the model
// id), to see how far apart two identical series come out on the machine at hand.
//
// `ws-delay`, `ws-sessions` and `ws-loop` (#20), gateway only too: Responses over WebSocket
// (bench/websocket.ts): the added per-frame delay of a native session vs a direct WebSocket to
// the upstream, 1,000 concurrent sessions (errors, the gateway's RSS), and the same agent loop
// over WebSocket and over HTTP. `npm run bench -- --only=gateway --tests=ws-delay,ws-sessions,ws-loop`
// runs just those.
//
// --baseline <ref> (or --baseline=<ref>): a regression guard. Resolves <ref> with git, checks it
// out into a temporary detached worktree that symlinks this checkout's node_modules (a warning
// says so when the ref's package-lock.json differs), builds it with tsc (no UI), and starts its
// bin/bodhi as one more target, `baseline` ("Bodhi Gateway @ <short sha>"), set up exactly like
// `gateway` (own data dir, same CLI setup, env and log file handling). It takes part in every
// test the gateway does, in the same rotating rounds; the report adds a column for it, a table
// of current / baseline ratios and two guard lines: throughput and CPU per request at 64
// connections within 5 % of the baseline. A failed guard line makes the exit code 1, as a failed
// budget does. The worktree is removed when the run ends (also on failure or Ctrl-C). gateway is
// added to --only if missing; results.md is written only by a complete full run, as without it.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureFixedRate, measureManyStreams, measureStreaming, measureThroughput, warmUp } from './measure.js';
import { measureFallback, measureRouter } from './routers.js';
import { measureWsDelay, measureWsLoop, measureWsSessions } from './websocket.js';
import { prepareBaseline, removeBaseline, type Baseline } from './baseline.js';
import { FULL, QUICK } from './plan.js';
import { BASELINE_TOLERANCE, baselineChecks, budgets, loadAverage, render, type Results } from './report.js';
import { DEFAULT_TARGETS, startLab, TARGET_KEYS, type TargetKey } from './targets.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const listFlag = (name: string) => flag(name)?.split('=')[1]?.split(',');

/** `--baseline <ref>` or `--baseline=<ref>`. */
function baselineRef(): string | undefined {
  const i = args.findIndex((a) => a === '--baseline' || a.startsWith('--baseline='));
  if (i < 0) return undefined;
  const ref = args[i] === '--baseline' ? args[i + 1] : args[i]!.slice('--baseline='.length);
  if (!ref || ref.startsWith('--')) throw new Error('--baseline needs a git ref: --baseline <ref> or --baseline=<ref>');
  return ref;
}

const plan = flag('quick') ? QUICK : FULL;
const baselineAt = baselineRef();
const only = (listFlag('only') as TargetKey[] | undefined) ?? [...DEFAULT_TARGETS];
const unknown = only.filter((k) => !TARGET_KEYS.includes(k));
if (unknown.length) throw new Error(`--only: unknown target ${unknown.join(', ')} (known: ${TARGET_KEYS.join(', ')})`);
if (!only.includes('direct')) only.unshift('direct');
if (only.includes('baseline') && !baselineAt) throw new Error('--only: the baseline target needs --baseline <git ref>');
if (baselineAt) for (const k of ['gateway', 'baseline'] as const) if (!only.includes(k)) only.push(k);
const ALL_TESTS = ['1', '2', '3', '4', 'router', 'fallback', 'ws-delay', 'ws-sessions', 'ws-loop'];
const tests = new Set(listFlag('tests') ?? ALL_TESTS);
const unknownTests = [...tests].filter((t) => !ALL_TESTS.includes(t));
if (unknownTests.length) throw new Error(`--tests: unknown test ${unknownTests.join(', ')} (known: ${ALL_TESTS.join(', ')})`);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const profileDir = join(repo, 'bench', 'profiles');
if (flag('profile')) mkdirSync(profileDir, { recursive: true });

const log = (msg: string) => process.stderr.write(`${msg}\n`);
// Ctrl-C or a kill: exit through process.exit so the 'exit' hooks stop the hops and remove the
// temp dirs and the baseline worktree (a second signal while they run is ignored).
let stopping = false;
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]] as const)
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log(`\n${signal}: stopping`);
    process.exit(code);
  });
const startedAt = new Date();
const loadBefore = loadAverage();
const t0 = performance.now();

// Built before the lab starts; removed in the finally below (or by its exit hook).
const baseline: Baseline | undefined = baselineAt
  ? await prepareBaseline(repo, baselineAt, log).catch((err: Error) => {
      log(err.message);
      return process.exit(2);
    })
  : undefined;
let failed = false;
let lab: Awaited<ReturnType<typeof startLab>> | undefined;
try {
  lab = await startLab({
    onlyTargets: only,
    profileDir: flag('profile') ? profileDir : undefined,
    baselineDir: baseline?.dir,
  });
  const targets = TARGET_KEYS.filter((k) => only.includes(k)).map((k) => lab!.targets[k]);
  log(`bench (${plan.name}): ${targets.map((t) => `${t.key} ${t.origin}`).join(', ')}`);
  log('warm-up');
  const cannotStream = await warmUp(targets, plan);
  const streamTargets = targets.filter((t) => !cannotStream[t.key]);

  const results: Results = { plan, startedAt, seconds: 0, loadBefore, gatewayLogLines: 0, cannotStream, throughput: {}, fixedRate: {}, streaming: {}, manyStreams: {} };
  if (tests.has('1')) {
    log(`1. throughput, ${plan.throughput.connections} connections`);
    results.throughput = await measureThroughput(targets, plan);
  }
  if (tests.has('2')) {
    log(`2. latency at ${plan.fixedRate.rate} req/s`);
    results.fixedRate = await measureFixedRate(targets, plan);
  }
  if (tests.has('3')) {
    log('3. streaming');
    results.streaming = await measureStreaming(streamTargets, plan);
  }
  if (tests.has('4')) {
    log(`4. ${plan.manyStreams.streams} concurrent streams`);
    results.manyStreams = await measureManyStreams(streamTargets, plan);
  }
  const gateway = lab.targets.gateway;
  for (const which of ['router', 'fallback'] as const) {
    if (!tests.has(which)) continue;
    if (!gateway || !lab.routers) {
      log(`${which}: skipped (the router cases need the gateway target)`);
      continue;
    }
    if (which === 'router') {
      const aa = !!flag('router-aa');
      log(`router: API model vs ${aa ? 'API model (A/A, --router-aa)' : 'one-target router'}, ${plan.router.connections} connections`);
      results.router = await measureRouter(gateway, lab.routers, plan, aa);
    } else {
      log('router fallback: refused first target, sequential calls');
      results.fallback = await measureFallback(gateway, lab.routers, plan);
    }
  }
  for (const which of ['ws-delay', 'ws-sessions', 'ws-loop'] as const) {
    if (!tests.has(which)) continue;
    if (!gateway) {
      log(`${which}: skipped (the WebSocket cases need the gateway target)`);
      continue;
    }
    if (which === 'ws-delay') {
      log(`ws-delay: native WebSocket session through the gateway vs direct, ${plan.wsDelay.sessions} sessions`);
      results.wsDelay = await measureWsDelay(gateway, lab.targets.direct, plan);
    } else if (which === 'ws-sessions') {
      log(`ws-sessions: ${plan.wsSessions.sessions} concurrent WebSocket sessions through the gateway`);
      results.wsSessions = await measureWsSessions(gateway, plan);
    } else {
      log(`ws-loop: ${plan.wsLoop.turns}-turn agent loop over WebSocket vs HTTP through the gateway`);
      results.wsLoop = await measureWsLoop(gateway, plan);
    }
  }
  results.seconds = (performance.now() - t0) / 1000;
  const logLines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"msg":"request"')).length;
  if (lab.targets.gateway) results.gatewayLogLines = logLines(lab.gatewayLog);
  if (baseline) {
    const { ref, sha, short, lockDiffers } = baseline;
    results.baseline = { ref, sha, short, lockDiffers, logLines: logLines(lab.baselineLog) };
  }

  const text = render(results);
  process.stdout.write(`\n${text}`);
  const complete = DEFAULT_TARGETS.every((k) => only.includes(k)) && ALL_TESTS.every((t) => tests.has(t));
  if (plan.name === 'full' && complete) {
    writeFileSync(join(repo, 'bench', 'results.md'), text);
    log('\nwrote bench/results.md');
  } else log('\n(partial or quick run: bench/results.md left as it was)');
  failed = budgets(results).some((b) => !b.pass);
  if (baselineChecks(results).some((b) => !b.pass)) {
    log(`regression guard failed: the current build is more than ${(BASELINE_TOLERANCE * 100).toFixed(0)} % behind ${baselineAt} at ${plan.throughput.connections} connections`);
    failed = true;
  }
} finally {
  await lab?.stop();
  removeBaseline();
}
log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
process.exitCode = failed ? 1 : 0;
