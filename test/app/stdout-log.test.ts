// `bodhi serve` logs JSON lines to stdout through its own destination (lines joined into chunks for sonic-boom):
// every line arrives whole, including the ones written just before a graceful exit.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/cli.js';
import { tempHome } from '../support/gateway.js';

const home = tempHome('bodhi-log-');
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe('bodhi serve stdout log', () => {
  it('writes whole JSON lines: the access line of each request and the shutdown lines', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--home', home], {
      env: { ...process.env, BODHI_LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

    const deadline = Date.now() + 15_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline) {
      url = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
      if (!url) await new Promise((r) => setTimeout(r, 20));
    }
    expect(url, out).toBeDefined();
    expect(out).toContain('Bodhi Gateway listening on'); // flushed at once, not held for a 32 KiB chunk
    for (let i = 0; i < 50; i++) expect((await fetch(`${url}/ping`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);

    const lines = out.trimEnd().split('\n');
    const parsed = lines.map((l) => JSON.parse(l) as { msg: string; url?: string; status?: number; reqId?: string });
    const access = parsed.filter((l) => l.msg === 'request');
    expect(access).toHaveLength(50);
    expect(access[0]).toMatchObject({ url: '/ping', status: 200 });
    expect(access[0]!.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(parsed.at(-1)!.msg).not.toBe('request'); // the shutdown lines made it out too
  }, 30_000);
});
