// request.log is built lazily (LazyRequestLogger): requests that log nothing themselves never
// build a pino child, and the ones that do still carry their request id.
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, LazyRequestLogger } from '../../src/app/logger.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { freePort } from '../support/nginx.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, logger: createLogger('info', sink) };
}

describe('LazyRequestLogger', () => {
  it('builds the child on first use only, with its bindings and level', async () => {
    const { lines, logger } = capture();
    let children = 0;
    const parent = new Proxy(logger, {
      get: (target, key, receiver) =>
        key === 'child'
          ? (...args: Parameters<typeof logger.child>) => (children++, target.child(...args))
          : (Reflect.get(target, key, receiver) as unknown),
    });
    const log = new LazyRequestLogger(parent, { reqId: 'req-1' }, { level: 'warn' });
    expect(log.level).toBe('warn');
    expect(children).toBe(0);
    log.info('not at this level');
    log.warn({ status: 502 }, 'upstream request failed');
    log.error(new Error('boom'));
    log.child({ component: 'x' }).error('from a grandchild');
    await new Promise((r) => setImmediate(r));
    expect(children).toBe(1);
    expect(lines.map((l) => [l.reqId, l.msg])).toEqual([
      ['req-1', 'upstream request failed'],
      ['req-1', 'boom'],
      ['req-1', 'from a grandchild'],
    ]);
    expect(lines[0]!.status).toBe(502);
    expect(lines[2]!.component).toBe('x');
  });
});

describe('request.log in the gateway', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway();
    // Nothing listens there: the upstream call fails before any response.
    await gw.addApiModel({ name: 'down', api_format: 'openai_responses', base_url: `http://127.0.0.1:${await freePort()}/v1`, api_key: 'sk-down', models: ['m-down'] });
  });
  afterAll(() => gw.close());

  it("carries the request's id on the lines a request logs itself", async () => {
    const res = await gw.call('/v1/responses', { method: 'POST', json: { model: 'm-down', input: 'hi' } });
    expect(res.status).toBe(502);
    const lines = gw.logs.map((l) => JSON.parse(l) as { msg: string; reqId?: string; url?: string });
    const failed = lines.find((l) => l.msg === 'upstream request failed');
    const access = lines.find((l) => l.msg === 'request' && l.url === '/v1/responses');
    expect(failed?.reqId).toMatch(/^[0-9a-f-]{36}$/);
    expect(failed?.reqId).toBe(access?.reqId);
  });
});
