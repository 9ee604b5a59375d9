// Runs Debian's nginx as an unprivileged-path child process (its own prefix, config, pid, logs
// and temp dirs; `daemon off`), serving docs/nginx.conf.template exactly as the deployment
// guide tells operators to render it. nginx must be installed (`npm run test:fresh` installs it): tests
// fail when it is missing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './wait.js';

export const NGINX_TEMPLATE = fileURLToPath(new URL('../../docs/nginx.conf.template', import.meta.url));

export interface Nginx {
  url: string;
  port: number;
  /** Access log lines so far (format `bodhi` from the template). */
  accessLog(): string[];
  stop(): Promise<void>;
}

/** What `envsubst '$BODHI_A $BODHI_B'` does: replaces `$NAME` and `${NAME}` of the named variables. */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  const out = template.replace(/\$(?:\{(BODHI_[A-Z_]+)\}|(BODHI_[A-Z_]+))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!;
    const value = vars[name];
    if (value === undefined) throw new Error(`no value for ${whole} in the nginx template`);
    return value;
  });
  return out;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startNginx(upstreams: string[]): Promise<Nginx> {
  const which = spawnSync('sh', ['-c', 'command -v nginx || ls /usr/sbin/nginx'], { encoding: 'utf8' });
  const bin = which.stdout.trim().split('\n')[0];
  if (which.status !== 0 || !bin) throw new Error('nginx is not installed (apt-get install -y nginx; `npm run test:fresh` does this)');

  const prefix = mkdtempSync(join(tmpdir(), 'bodhi-nginx-'));
  // When run as root, nginx's workers drop to `nobody`, which must be able to enter the prefix.
  chmodSync(prefix, 0o755);
  const port = await freePort();
  const accessLog = join(prefix, 'access.log');
  const site = renderTemplate(readFileSync(NGINX_TEMPLATE, 'utf8'), {
    BODHI_LISTEN: `127.0.0.1:${port}`,
    BODHI_ACCESS_LOG: accessLog,
    BODHI_UPSTREAM_SERVERS: upstreams.map((u) => `server ${u} max_fails=3 fail_timeout=10s;`).join('\n    '),
  });
  writeFileSync(join(prefix, 'bodhi.conf'), site);
  // The main config stands in for /etc/nginx/nginx.conf: everything under the prefix.
  writeFileSync(
    join(prefix, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${join(prefix, 'nginx.pid')};`,
      `error_log ${join(prefix, 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      `  client_body_temp_path ${join(prefix, 'client_body')};`,
      `  proxy_temp_path ${join(prefix, 'proxy')};`,
      `  fastcgi_temp_path ${join(prefix, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(prefix, 'uwsgi')};`,
      `  scgi_temp_path ${join(prefix, 'scgi')};`,
      `  include ${join(prefix, 'bodhi.conf')};`,
      '}',
      '',
    ].join('\n'),
  );

  const child: ChildProcess = spawn(bin, ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', join(prefix, 'nginx.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(async () => {
      if (child.exitCode !== null) throw new Error(`nginx exited: ${output} ${readErrorLog(prefix)}`);
      return fetch(`${url}/ping`).then(
        (r) => r.ok,
        () => false,
      );
    }, 10_000, 25);
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(prefix, { recursive: true, force: true });
    throw err;
  }

  return {
    url,
    port,
    accessLog: () => {
      try {
        return readFileSync(accessLog, 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
    async stop() {
      // SIGQUIT: graceful shutdown of master and workers.
      if (child.exitCode === null) child.kill('SIGQUIT');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

function readErrorLog(prefix: string): string {
  try {
    return readFileSync(join(prefix, 'error.log'), 'utf8');
  } catch {
    return '';
  }
}
