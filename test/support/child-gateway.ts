// Runs the real `bin/bodhi serve` as a child process on a loopback port: for tests that need
// a process of its own (signals, exit codes, restarts, memory figures not mixed with the
// test's own allocations). A preloaded probe (gateway-probe.mjs) reports memory after GC and
// open handles over IPC.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { BIN } from './cli.js';

const PROBE = fileURLToPath(new URL('./gateway-probe.mjs', import.meta.url));

export interface ProcessStats {
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  /** process.getActiveResourcesInfo() inside the gateway. */
  resources: string[];
}

export interface ChildGateway {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Everything the process wrote so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** Memory and handles from inside; `gc` runs a full collection first. */
  stats(gc?: boolean): Promise<ProcessStats>;
  /** Peak and current resident set size (kB figures from /proc, in bytes). */
  memory(): { rss: number; peak: number };
  /** SIGKILL if still running (test cleanup). */
  kill(): Promise<void>;
}

export interface ChildGatewayOptions {
  home: string;
  env?: Record<string, string>;
  /** Wait at most this long for the "listening" line. */
  startTimeoutMs?: number;
}

function procStatus(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** GET /ping on a connection of its own, closed afterwards (no keep-alive socket left behind). */
function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpGet({ host: '127.0.0.1', port, path: '/ping', agent: false, timeout: 1_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
  });
}

/** A loopback port free right now (bound, then released). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startChildGateway(opts: ChildGatewayOptions): Promise<ChildGateway> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--expose-gc', '--import', PROBE, BIN, 'serve', '--host', '127.0.0.1', '--port', String(port), '--home', opts.home], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, BODHI_LOG_LEVEL: 'info', BODHI_SYNC_INTERVAL_MS: '100', ...opts.env },
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString('utf8')));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));

  // Ready when /ping answers (works at any log level).
  const until = Date.now() + (opts.startTimeoutMs ?? 15_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited (${child.exitCode}) before listening:\n${out}\n${err}`);
    const ok = await ping(port);
    if (ok) break;
    if (Date.now() > until) {
      child.kill('SIGKILL');
      throw new Error(`gateway did not start within ${opts.startTimeoutMs ?? 15_000} ms:\n${out}\n${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  let nextId = 0;
  return {
    url,
    pid: child.pid!,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    stats(gc = true) {
      const id = ++nextId;
      return new Promise<ProcessStats>((resolve, reject) => {
        const timer = setTimeout(() => {
          child.off('message', onMessage);
          reject(new Error('gateway probe did not answer'));
        }, 5_000);
        const onMessage = (msg: { probe?: string; id?: number } & ProcessStats) => {
          if (msg?.probe !== 'stats' || msg.id !== id) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(msg);
        };
        child.on('message', onMessage);
        child.send({ probe: 'stats', id, gc });
      });
    },
    memory: () => ({ rss: procStatus(child.pid!, 'VmRSS'), peak: procStatus(child.pid!, 'VmHWM') }),
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Counts handles by type, e.g. { TCPSocketWrap: 3, Timeout: 2 }. */
export function countResources(resources: readonly string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of resources) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}
