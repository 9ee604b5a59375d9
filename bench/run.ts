// `npm run bench [-- --quick] [-- --profile] [-- --only=direct,gateway] (add `framework` for the Fastify floor) [-- --tests=1,2,3,4]`
// Starts the lab (upstream + hops), runs the measurements, prints the table and budget lines,
// and (full run with every target and test) writes bench/results.md.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measureFixedRate, measureManyStreams, measureStreaming, measureThroughput, warmUp } from './measure.js';
import { FULL, QUICK } from './plan.js';
import { budgets, loadAverage, render, type Results } from './report.js';
import { DEFAULT_TARGETS, startLab, TARGET_KEYS, type TargetKey } from './targets.js';

const args = process.argv.slice(2);
const flag = (name: string) => args.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
const listFlag = (name: string) => flag(name)?.split('=')[1]?.split(',');

const plan = flag('quick') ? QUICK : FULL;
const only = (listFlag('only') as TargetKey[] | undefined) ?? [...DEFAULT_TARGETS];
const unknown = only.filter((k) => !TARGET_KEYS.includes(k));
if (unknown.length) throw new Error(`--only: unknown target ${unknown.join(', ')} (known: ${TARGET_KEYS.join(', ')})`);
if (!only.includes('direct')) only.unshift('direct');
const tests = new Set(listFlag('tests') ?? ['1', '2', '3', '4']);
const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const profileDir = join(repo, 'bench', 'profiles');
if (flag('profile')) mkdirSync(profileDir, { recursive: true });

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const startedAt = new Date();
const loadBefore = loadAverage();
const t0 = performance.now();

const lab = await startLab({
  onlyTargets: only,
  profileDir: flag('profile') ? profileDir : undefined,
});
let failed = false;
try {
  const targets = TARGET_KEYS.filter((k) => only.includes(k)).map((k) => lab.targets[k]);
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
  results.seconds = (performance.now() - t0) / 1000;
  if (lab.targets.gateway) results.gatewayLogLines = readFileSync(lab.gatewayLog, 'utf8').split('\n').filter((l) => l.includes('"msg":"request"')).length;

  const text = render(results);
  process.stdout.write(`\n${text}`);
  const complete = DEFAULT_TARGETS.every((k) => only.includes(k)) && tests.size === 4;
  if (plan.name === 'full' && complete) {
    writeFileSync(join(repo, 'bench', 'results.md'), text);
    log('\nwrote bench/results.md');
  } else log('\n(partial or quick run: bench/results.md left as it was)');
  failed = budgets(results).some((b) => !b.pass);
} finally {
  await lab.stop();
}
log(`done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
process.exitCode = failed ? 1 : 0;
