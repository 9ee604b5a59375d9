// Starts the upstream and the hops in front of it (bare proxy, Bodhi Gateway, Portkey, and on
// request the Fastify floor), each its own process, and describes how a client reaches the same
// upstream through each of them.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export type TargetKey = 'direct' | 'bare' | 'framework' | 'gateway' | 'portkey';
/** Every target, in table order. */
export const TARGET_KEYS: readonly TargetKey[] = ['direct', 'bare', 'framework', 'gateway', 'portkey'];
/** What a plain `npm run bench` measures; `framework` (the Fastify floor) only when named in `--only`. */
export const DEFAULT_TARGETS: readonly TargetKey[] = ['direct', 'bare', 'gateway', 'portkey'];
export const TARGET_NAMES: Record<TargetKey, string> = {
  direct: 'direct',
  bare: 'bare proxy',
  framework: 'Fastify floor',
  gateway: 'Bodhi Gateway',
  portkey: 'Portkey',
};

export interface Target {
  key: TargetKey;
  origin: string;
  /** Request headers every call to this target carries (credentials, routing). */
  headers: Record<string, string>;
  /** The hop's process (null for direct, which has no hop). */
  pid: number | null;
}

export interface Lab {
  upstream: { origin: string; pid: number };
  targets: Record<TargetKey, Target>;
  /** Where the gateway writes its log (info level, one line per request). */
  gatewayLog: string;
  stop(): Promise<void>;
}

export interface LabOptions {
  /** Write a V8 CPU profile of every hop process (`<target>.cpuprofile`) into this dir. */
  profileDir?: string | undefined;
  onlyTargets?: readonly TargetKey[];
}

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..'); // compiled to dist-bench/
const UPSTREAM_KEY = 'sk-bench-upstream-key';
export const MODEL = 'gpt-4.1-mini';

/** Distinct free ports (all held open at once, so no two are the same). */
async function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => createServer());
  await Promise.all(servers.map((srv) => new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok))));
  const ports = servers.map((srv) => (srv.address() as { port: number }).port);
  await Promise.all(servers.map((srv) => new Promise((ok) => srv.close(ok))));
  return ports;
}

async function waitForPort(port: number, child: ChildProcess, name: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before listening`);
    const ok = await new Promise<boolean>((done) => {
      const s = createConnection(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), done(true)));
      s.once('error', () => done(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not listen on ${port} within ${timeoutMs} ms`);
}

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const wanted = new Set(opts.onlyTargets ?? DEFAULT_TARGETS);
  const children: { child: ChildProcess; name: string }[] = [];
  const home = mkdtempSync(join(tmpdir(), 'bodhi-bench-'));
  const ports = await freePorts(TARGET_KEYS.length);
  const start = async (name: string, args: string[], env: Record<string, string> = {}, stdout: number | 'ignore' = 'ignore', profileAs?: TargetKey, stderr: 'inherit' | 'ignore' = 'inherit') => {
    const port = ports.pop()!;
    const profile = opts.profileDir && profileAs ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`, `--cpu-prof-name=${profileAs}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...profile, ...args.map((a) => a.replace('{port}', String(port)))], {
      cwd: repo,
      env: { ...process.env, ...env },
      stdio: ['ignore', stdout, stderr],
    });
    children.push({ child, name });
    await waitForPort(port, child, name);
    return { origin: `http://127.0.0.1:${port}`, pid: child.pid! };
  };

  const stop = async () => {
    await Promise.all(
      children.map(
        ({ child }) =>
          new Promise<void>((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
            child.once('exit', () => (clearTimeout(force), done()));
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(home, { recursive: true, force: true });
  };
  process.once('exit', () => children.forEach(({ child }) => child.exitCode === null && child.kill('SIGKILL')));

  try {
    const upstream = await start('upstream', [join(here, 'upstream.js'), '{port}']);
    const auth = { authorization: `Bearer ${UPSTREAM_KEY}` };
    const targets = {} as Record<TargetKey, Target>;
    targets.direct = { key: 'direct', origin: upstream.origin, headers: auth, pid: null };

    const gatewayLog = join(home, 'gateway.log');
    // The hops start in parallel: each only needs the upstream.
    const startBare = async () => {
      const bare = await start('bare proxy', [join(here, 'bare-proxy.js'), '{port}', upstream.origin], {}, 'ignore', 'bare');
      targets.bare = { key: 'bare', ...bare, headers: auth };
    };
    const startFramework = async () => {
      const framework = await start('Fastify floor', [join(here, 'framework-proxy.js'), '{port}', upstream.origin], {}, 'ignore', 'framework');
      targets.framework = { key: 'framework', ...framework, headers: auth };
    };
    const startGateway = async () => {
      // Configured the way a user would: API model and token through the CLI.
      const cli = async (...args: string[]) =>
        (
          await promisify(execFile)(process.execPath, [join(repo, 'bin', 'bodhi'), ...args, '--home', home], {
            env: { ...process.env, BENCH_UPSTREAM_KEY: UPSTREAM_KEY },
            encoding: 'utf8',
          })
        ).stdout.trim();
      await cli('api-models', 'add', '--name', 'bench-upstream', '--format', 'openai_responses', '--base-url', `${upstream.origin}/v1`, '--api-key-env', 'BENCH_UPSTREAM_KEY', '--models', MODEL);
      const token = await cli('tokens', 'create', '--name', 'bench');
      const gateway = await start(
        'Bodhi Gateway',
        [join(repo, 'bin', 'bodhi'), 'serve', '--port', '{port}', '--home', home],
        { BODHI_LOG_LEVEL: 'info' },
        openSync(gatewayLog, 'a'),
        'gateway',
      );
      targets.gateway = { key: 'gateway', ...gateway, headers: { authorization: `Bearer ${token}` } };
    };
    const startPortkey = async () => {
      const portkey = await start('Portkey', [join(repo, 'node_modules/@portkey-ai/gateway/build/start-server.js'), '--port={port}', '--headless'], { NODE_ENV: 'production' }, 'ignore', 'portkey', 'ignore'); // it prints a stack per failed stream
      targets.portkey = {
        key: 'portkey',
        ...portkey,
        headers: {
          ...auth,
          'x-portkey-provider': 'openai',
          'x-portkey-custom-host': `${upstream.origin}/v1`,
          'x-portkey-forward-headers': 'x-bench-events,x-bench-interval-ms',
        },
      };
    };
    const starting: Promise<void>[] = [];
    if (wanted.has('bare')) starting.push(startBare());
    if (wanted.has('framework')) starting.push(startFramework());
    if (wanted.has('gateway')) starting.push(startGateway());
    if (wanted.has('portkey')) starting.push(startPortkey());
    const started = await Promise.allSettled(starting);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { upstream, targets, gatewayLog, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
