// Starts the upstream and the hops in front of it (bare proxy, Bodhi Gateway, Portkey, and on
// request the Fastify floor and a baseline build of Bodhi Gateway from another git ref), each its
// own process, and describes how a client reaches the same upstream through each of them.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export type TargetKey = 'direct' | 'bare' | 'framework' | 'gateway' | 'baseline' | 'portkey';
/** Every target, in table order. */
export const TARGET_KEYS: readonly TargetKey[] = ['direct', 'bare', 'framework', 'gateway', 'baseline', 'portkey'];
/**
 * What a plain `npm run bench` measures; `framework` (the Fastify floor) only when named in
 * `--only`, `baseline` (Bodhi Gateway built from another git ref) only with `--baseline <ref>`.
 */
export const DEFAULT_TARGETS: readonly TargetKey[] = ['direct', 'bare', 'gateway', 'portkey'];
export const TARGET_NAMES: Record<TargetKey, string> = {
  direct: 'direct',
  bare: 'bare proxy',
  framework: 'Fastify floor',
  gateway: 'Bodhi Gateway',
  baseline: 'baseline', // the report names it after its commit: "Bodhi Gateway @ <short sha>"
  portkey: 'Portkey',
};

export interface Target {
  key: TargetKey;
  origin: string;
  /** Request headers every call to this target carries (credentials, routing). */
  headers: Record<string, string>;
  /** The hop's process (null for direct, which has no hop). */
  pid: number | null;
  /** The model id the request body names (default MODEL); a router's name for the router cases. */
  model?: string;
}

/** The routers the gateway gets for the router cases (#19), created through its management API. */
export interface RouterLab {
  /** Router over one target, the API model `bench-upstream` with MODEL: the same upstream call as naming MODEL. */
  router: string;
  /** Router whose first target refuses connections (`refusedPort`) and whose second is `bench-upstream` / MODEL. */
  fallback: string;
  /** A loopback port nothing listens on (bound once, then closed): connections to it are refused. */
  refusedPort: number;
  /** An admin token's header (for /metrics). */
  adminHeaders: Record<string, string>;
}

export interface Lab {
  upstream: { origin: string; pid: number };
  targets: Record<TargetKey, Target>;
  /** Where the gateway writes its log (info level, one line per request). */
  gatewayLog: string;
  /** The same for the baseline target. */
  baselineLog: string;
  /** The gateway's routers (only when the gateway target runs). */
  routers: RouterLab | undefined;
  stop(): Promise<void>;
}

export interface LabOptions {
  /** Write a V8 CPU profile of every hop process (`<target>.cpuprofile`) into this dir. */
  profileDir?: string | undefined;
  onlyTargets?: readonly TargetKey[];
  /** Root of another build of Bodhi Gateway (a checkout with bin/ and dist/): the `baseline` target. */
  baselineDir?: string | undefined;
}

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..'); // compiled to dist-bench/
const UPSTREAM_KEY = 'sk-bench-upstream-key';
export const MODEL = 'gpt-4.1-mini';
/**
 * The WebSocket cases (#20): the same upstream as an API model with `websocket: true` (native
 * sessions), whose model the client names with the prefix `ws/`; MODEL itself (API model
 * bench-upstream, websocket auto = off for a loopback URL) is bridged over HTTP.
 */
export const WS_MODEL = `ws/${MODEL}`;
/** Sessions one token may hold (BODHI_WS_MAX_SESSIONS_PER_TOKEN): room for the 1,000-session case. */
export const WS_SESSIONS_PER_TOKEN = 5000;
export const ROUTER = 'bench-router';
export const FALLBACK_ROUTER = 'bench-fallback';

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
  if (wanted.has('baseline') && !opts.baselineDir) throw new Error('the baseline target needs a baseline build (--baseline <ref>)');
  const home = mkdtempSync(join(tmpdir(), 'bodhi-bench-'));
  // The baseline gateway gets its own data dir (BODHI_HOME), like a second installation.
  const baselineHome = mkdtempSync(join(tmpdir(), 'bodhi-bench-baseline-home-'));
  const ports = await freePorts(TARGET_KEYS.length + 1);
  const refusedPort = ports.shift()!; // closed again by freePorts: nothing listens there
  const start = async (name: string, args: string[], env: Record<string, string> = {}, stdout: number | 'ignore' = 'ignore', profileAs?: TargetKey, stderr: 'inherit' | 'ignore' = 'inherit', cwd = repo) => {
    const port = ports.pop()!;
    const profile = opts.profileDir && profileAs ? ['--cpu-prof', `--cpu-prof-dir=${opts.profileDir}`, `--cpu-prof-name=${profileAs}.cpuprofile`] : [];
    const child = spawn(process.execPath, [...profile, ...args.map((a) => a.replace('{port}', String(port)))], {
      cwd,
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
    rmSync(baselineHome, { recursive: true, force: true });
  };
  process.once('exit', () => {
    children.forEach(({ child }) => child.exitCode === null && child.kill('SIGKILL'));
    // Interrupted (run.ts turns SIGINT/SIGTERM into an exit): the data dirs go too.
    rmSync(home, { recursive: true, force: true });
    rmSync(baselineHome, { recursive: true, force: true });
  });

  try {
    const upstream = await start('upstream', [join(here, 'upstream.js'), '{port}']);
    const auth = { authorization: `Bearer ${UPSTREAM_KEY}` };
    const targets = {} as Record<TargetKey, Target>;
    targets.direct = { key: 'direct', origin: upstream.origin, headers: auth, pid: null };

    let routers: RouterLab | undefined;
    const gatewayLog = join(home, 'gateway.log');
    const baselineLog = join(baselineHome, 'gateway.log');
    // The hops start in parallel: each only needs the upstream.
    const startBare = async () => {
      const bare = await start('bare proxy', [join(here, 'bare-proxy.js'), '{port}', upstream.origin], {}, 'ignore', 'bare');
      targets.bare = { key: 'bare', ...bare, headers: auth };
    };
    const startFramework = async () => {
      const framework = await start('Fastify floor', [join(here, 'framework-proxy.js'), '{port}', upstream.origin], {}, 'ignore', 'framework');
      targets.framework = { key: 'framework', ...framework, headers: auth };
    };
    // The current build (`gateway`) and the baseline build are started the same way, each from
    // its own checkout (`root`) with its own data dir and log file.
    const startBodhi = async (key: 'gateway' | 'baseline', name: string, root: string, dataDir: string, logFile: string) => {
      // Configured the way a user would: API model and token through the CLI.
      const cli = async (...args: string[]) =>
        (
          await promisify(execFile)(process.execPath, [join(root, 'bin', 'bodhi'), ...args, '--home', dataDir], {
            cwd: root,
            env: { ...process.env, BENCH_UPSTREAM_KEY: UPSTREAM_KEY },
            encoding: 'utf8',
          })
        ).stdout.trim();
      await cli('api-models', 'add', '--name', 'bench-upstream', '--format', 'openai_responses', '--base-url', `${upstream.origin}/v1`, '--api-key-env', 'BENCH_UPSTREAM_KEY', '--models', MODEL);
      const token = await cli('tokens', 'create', '--name', 'bench');
      // The router cases (#19), current build only (a baseline may predate routers): an API
      // model whose upstream refuses connections, and an admin token to create the routers.
      // The WebSocket cases (#20), current build only too: the upstream as a native WebSocket API model.
      let admin: string | undefined;
      if (key === 'gateway') {
        await cli('api-models', 'add', '--name', 'bench-upstream-ws', '--format', 'openai_responses', '--base-url', `${upstream.origin}/v1`, '--api-key-env', 'BENCH_UPSTREAM_KEY', '--models', MODEL, '--prefix', 'ws/', '--websocket', 'on');
        await cli('api-models', 'add', '--name', 'bench-refused', '--format', 'openai_responses', '--base-url', `http://127.0.0.1:${refusedPort}/v1`, '--api-key-env', 'BENCH_UPSTREAM_KEY', '--models', 'bench-refused-model');
        admin = await cli('tokens', 'create', '--name', 'bench-admin', '--scope', 'admin');
      }
      const gateway = await start(
        name,
        [join(root, 'bin', 'bodhi'), 'serve', '--port', '{port}', '--home', dataDir],
        { BODHI_LOG_LEVEL: 'info', BODHI_WS_MAX_SESSIONS_PER_TOKEN: String(WS_SESSIONS_PER_TOKEN) },
        openSync(logFile, 'a'),
        key,
        'inherit',
        root,
      );
      targets[key] = { key, ...gateway, headers: { authorization: `Bearer ${token}` } };
      if (admin) routers = await createRouters(gateway.origin, admin, refusedPort);
    };
    const startGateway = () => startBodhi('gateway', 'Bodhi Gateway', repo, home, gatewayLog);
    const startBaseline = () => startBodhi('baseline', 'Bodhi Gateway (baseline)', opts.baselineDir!, baselineHome, baselineLog);
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
    if (wanted.has('baseline')) starting.push(startBaseline());
    if (wanted.has('portkey')) starting.push(startPortkey());
    const started = await Promise.allSettled(starting);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return { upstream, targets, gatewayLog, baselineLog, routers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The routers of the router cases, created the way an admin would (POST /bodhi/v1/routers).
 * The fallback router never cools its refused target down (cooldown_ms 0, and a failure
 * threshold it cannot reach within its 1 ms window), so every call takes the fallback path.
 */
async function createRouters(origin: string, adminToken: string, refusedPort: number): Promise<RouterLab> {
  const create = async (body: Record<string, unknown>) => {
    const res = await fetch(`${origin}/bodhi/v1/routers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`creating router ${String(body.name)}: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
  };
  await create({ name: ROUTER, strategy: 'fallback', targets: [{ api_model: 'bench-upstream', model: MODEL }] });
  await create({
    name: FALLBACK_ROUTER,
    strategy: 'fallback',
    targets: [
      { api_model: 'bench-refused', model: MODEL },
      { api_model: 'bench-upstream', model: MODEL },
    ],
    failure_threshold: 1000,
    failure_window_ms: 1,
    cooldown_ms: 0,
  });
  return { router: ROUTER, fallback: FALLBACK_ROUTER, refusedPort, adminHeaders: { authorization: `Bearer ${adminToken}` } };
}
