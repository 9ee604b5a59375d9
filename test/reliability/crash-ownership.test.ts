// A response created through the gateway belongs to the token that created it, even when the
// gateway is killed (SIGKILL) the moment the client has the id: the routing record is committed
// before the bytes that complete the id leave the gateway. Real `bodhi serve` processes, the CLI,
// a fake upstream, and SQLite or PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { bodhi } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { tempHome } from '../support/gateway.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const ID = /"id":"(resp_[A-Za-z0-9]+)"/;

describe.each(['sqlite', 'postgres'] as const)('response ownership after kill -9 (%s)', (kind) => {
  let up: FakeUpstream;
  let pg: TestDatabase | undefined;
  let home: string;
  let env: Record<string, string>;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    up = await startFakeUpstream({ eventDelayMs: 1 });
    home = tempHome('bodhi-crash-');
    env = { BODHI_HOME: home, UPSTREAM_KEY: up.apiKey };
    if (kind === 'postgres') {
      pg = await createTestDatabase('crash');
      env.BODHI_DATABASE_URL = pg.url;
      env.BODHI_ENCRYPTION_KEY = randomBytes(32).toString('hex');
    }
    const cli = async (...args: string[]) => {
      const r = await bodhi(args, env);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout.trim();
    };
    alice = (await cli('tokens', 'create', '--name', 'alice')).split('\n').at(-1)!.trim();
    bob = (await cli('tokens', 'create', '--name', 'bob')).split('\n').at(-1)!.trim();
    // The only Responses-format API model: ids without a record would fall back to it.
    await cli('api-models', 'add', '--name', 'up', '--format', 'openai_responses', '--base-url', up.url, '--api-key-env', 'UPSTREAM_KEY', '--models', 'gpt-5');
  });
  afterAll(async () => {
    await up?.close();
    await pg?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it('no acknowledged response is readable, cancellable or deletable by another token after the crash', async () => {
    const acknowledged: string[] = [];
    // Two crashes: each kill lands at a different point of the gateway's write pattern.
    for (let round = 0; round < 2; round++) acknowledged.push(...(await burstThenKill(await startGatewayProcess([], env), alice)));
    expect(acknowledged.length).toBeGreaterThanOrEqual(80);

    const second = await startGatewayProcess([], env);
    try {
      const call = (token: string, method: string, path: string) =>
        fetch(`${second.url}${path}`, { method, headers: { authorization: `Bearer ${token}` } });
      const before = up.requests.length;
      for (const id of acknowledged) {
        for (const [method, path] of [
          ['GET', `/v1/responses/${id}`],
          ['GET', `/v1/responses/${id}/input_items`],
          ['POST', `/v1/responses/${id}/cancel`],
          ['DELETE', `/v1/responses/${id}`],
        ] as const) {
          const res = await call(bob, method, path);
          expect(res.status, `bob ${method} ${path}`).toBe(404);
          expect(res.headers.get('x-bodhi-error')).toBe('gateway');
        }
      }
      expect(up.requests.length).toBe(before); // nothing of bob's reached the upstream
      for (const id of acknowledged) expect((await call(alice, 'GET', `/v1/responses/${id}`)).status, id).toBe(200);
    } finally {
      await second.stop();
    }
  });
});

/**
 * Clients create responses (JSON and streamed) back to back; the gateway is killed right after
 * the 40th id reached a client, with creates still in flight. Returns the ids clients got.
 */
async function burstThenKill(gateway: GatewayProcess, token: string): Promise<string[]> {
  const acknowledged: string[] = [];
  let killed = false;
  const ack = (id: string) => {
    acknowledged.push(id);
    if (acknowledged.length >= 40 && !killed) {
      killed = true;
      gateway.child.kill('SIGKILL');
    }
  };
  const client = async (n: number) => {
    for (let i = 0; !killed && i < 500; i++) {
      const stream = (n + i) % 2 === 0;
      try {
        const res = await fetch(`${gateway.url}/v1/responses`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'gpt-5', input: `burst ${n}.${i}`, stream }),
        });
        if (res.status !== 200) throw new Error(`create answered ${res.status}`);
        if (!stream) {
          ack(ID.exec(await res.text())![1]!);
          continue;
        }
        const reader = res.body!.getReader();
        let text = '';
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          text += Buffer.from(value).toString('utf8');
          const id = ID.exec(text)?.[1];
          if (id) {
            ack(id);
            void reader.cancel().catch(() => undefined);
            break;
          }
        }
      } catch (err) {
        if (killed) return; // the gateway is gone
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: 8 }, (_, n) => client(n)));
  expect(killed).toBe(true);
  if (gateway.child.exitCode === null && gateway.child.signalCode === null) await new Promise((resolve) => gateway.child.once('exit', resolve));
  expect(gateway.child.signalCode).toBe('SIGKILL');
  return acknowledged;
}
