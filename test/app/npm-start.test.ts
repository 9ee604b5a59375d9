// `npm start` as Docker, systemd, CI runners and process managers run it: SIGTERM goes to the
// npm process, and the gateway must get it too, shut down gracefully and leave nothing behind
// (npm runs the script through `sh -c`, which does not pass signals on to its child).
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { tempHome } from '../support/gateway.js';
import { waitFor } from '../support/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('error', () => resolve(false));
  });
}

/** Pids of live processes started with this BODHI_HOME (npm, sh or the gateway). */
function processesWithHome(home: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, 'latin1').split('\0');
      const stat = readFileSync(`/proc/${name}/stat`, 'latin1');
      if (env.includes(`BODHI_HOME=${home}`) && !/\) Z /.test(stat)) pids.push(Number(name));
    } catch {
      // gone, or not ours to read
    }
  }
  return pids;
}

let home: string | undefined;
let npm: ChildProcess | undefined;

afterEach(() => {
  // Whatever a failed run left behind.
  if (home) for (const pid of processesWithHome(home)) process.kill(pid, 'SIGKILL');
  npm?.kill('SIGKILL');
  if (home) rmSync(home, { recursive: true, force: true });
});

it('SIGTERM to `npm start` stops the gateway gracefully: port closed, no process left, within 10 s', async () => {
  home = tempHome('bodhi-npm-start-');
  const port = await freePort();
  npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: { ...process.env, BODHI_HOME: home, BODHI_PORT: String(port), BODHI_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  npm.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  npm.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await waitFor(() => out.includes('Bodhi Gateway listening'), 20_000, `the gateway to listen (output: ${out})`);
  expect(await accepts(port)).toBe(true);
  expect(processesWithHome(home).length).toBeGreaterThan(0);

  npm.kill('SIGTERM');
  await waitFor(async () => !(await accepts(port)) && processesWithHome(home!).length === 0, 10_000, 'port closed and no process left');
  expect(out).toContain('shutting down');
});
