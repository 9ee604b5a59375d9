// No gateway token or provider key reaches a log line, whichever field carries it: a real
// `bodhi serve` at debug level is sent tokens and keys in query parameters, path segments, the
// model field and headers, and has an upstream fail; then its whole output and the request log
// it wrote are searched for them.
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodhi } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { rawRequest } from '../support/raw-http.js';
import { waitFor } from '../support/wait.js';

const PROVIDER_KEY = 'sk-proj-LOGLEAK-provider-key-0123456789abcdef';
const CLIENT_PROVIDER_KEY = 'sk-ant-api03-client-sent-key-9876543210';
const GOOGLE_STYLE_KEY = 'AIzaSyLOGLEAKgoogleStyleKey0123456789';

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('log redaction', () => {
  let up: FakeUpstream;
  let gp: GatewayProcess;
  let admin: string;
  let user: string;
  let stderr = '';
  let requestLogRows: unknown[] = [];

  beforeAll(async () => {
    up = await startFakeUpstream({ apiKey: PROVIDER_KEY });
    gp = await startGatewayProcess([], { BODHI_LOG_LEVEL: 'debug', BODHI_SYNC_INTERVAL_MS: '50' });
    gp.child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const home = { BODHI_HOME: gp.home };
    admin = (await bodhi(['tokens', 'create', '--name', 'admin', '--scope', 'admin'], home)).stdout.trim();
    user = (await bodhi(['tokens', 'create', '--name', 'user'], home)).stdout.trim();
    expect(user).toMatch(/^sk-bodhiapp_/);
    const add = (name: string, format: string, baseUrl: string, models: string) =>
      bodhi(['api-models', 'add', '--name', name, '--format', format, '--base-url', baseUrl, '--api-key', PROVIDER_KEY, '--models', models], home);
    expect((await add('good', 'openai', up.url, 'gpt-4o')).code).toBe(0);
    expect((await add('down', 'openai', `http://127.0.0.1:${await closedPort()}/v1`, 'down-model')).code).toBe(0);
    await waitFor(async () => (await rawRequest(gp.url, { path: '/v1/models/down-model', headers: { authorization: `Bearer ${admin}` } })).status === 200, 5_000, 'the CLI changes to reach the server');

    const auth = { authorization: `Bearer ${user}` };
    const json = { ...auth, 'content-type': 'application/json' };
    const calls: Parameters<typeof rawRequest>[1][] = [
      // The token in the query instead of the header: refused, and the URL is logged.
      { path: `/v1/models?api_key=${user}` },
      { path: `/v1/models?token=${user}&x=1` },
      { path: `/v1/models?access_token=${encodeURIComponent(user)}` },
      { path: `/v1/models?foo=${user}` },
      // The token in a path, the model field, as an unknown id.
      { path: `/v1/${user}`, headers: auth },
      { path: `/${user}` },
      { path: `/v1/models/${user}`, headers: auth },
      { method: 'POST', path: '/v1/chat/completions', headers: json, body: JSON.stringify({ model: user, messages: [] }) },
      { method: 'POST', path: '/v1/chat/completions', headers: json, body: JSON.stringify({ model: CLIENT_PROVIDER_KEY, messages: [] }) },
      // Provider keys sent by a client, in the query and in headers.
      { path: `/v1/models?key=${GOOGLE_STYLE_KEY}`, headers: auth },
      { path: `/v1/models?api-key=${CLIENT_PROVIDER_KEY}`, headers: auth },
      { path: '/v1/models', headers: { authorization: `Bearer ${CLIENT_PROVIDER_KEY}` } },
      { path: '/v1/models', headers: { 'x-api-key': CLIENT_PROVIDER_KEY } },
      // Served calls, and an upstream that cannot be reached (logged as a warning with its error).
      { method: 'POST', path: `/v1/chat/completions?api_key=${user}`, headers: json, body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] }) },
      { method: 'POST', path: '/v1/chat/completions', headers: json, body: JSON.stringify({ model: 'down-model', messages: [{ role: 'user', content: 'hi' }] }) },
      // Malformed requests, answered before any route.
      { path: `/v1/models?api_key=${user}`, headers: { ...auth, 'content-length': 'x' } },
    ];
    for (const call of calls) await rawRequest(gp.url, call).catch(() => undefined);

    // A graceful stop flushes the log and the request log; the data dir stays until gp.stop().
    gp.child.kill('SIGTERM');
    await new Promise((resolve) => gp.child.once('exit', resolve));
    const db = new Database(join(gp.home, 'bodhi.sqlite'), { readonly: true });
    requestLogRows = db.prepare('SELECT * FROM request_log').all();
    db.close();
  }, 60_000);

  afterAll(async () => {
    await gp?.stop();
    await up?.close();
  });

  const secrets = () => ({
    'user token': user,
    "user token's random part": user.slice('sk-bodhiapp_'.length, 'sk-bodhiapp_'.length + 24),
    'admin token': admin,
    'provider key': PROVIDER_KEY,
    'client-sent provider key': CLIENT_PROVIDER_KEY,
    'client-sent key in ?key=': GOOGLE_STYLE_KEY,
  });

  it('the access lines were written, with the credentials redacted', () => {
    const urls = gp.logs.filter((l) => l.msg === 'request').map((l) => String(l.url));
    expect(urls).toContain('/v1/models?api_key=[redacted]');
    expect(urls).toContain('/v1/models?token=[redacted]&x=1');
    expect(urls).toContain(`/v1/models?foo=sk-bodhiapp_[redacted]`);
    expect(urls).toContain('/v1/sk-bodhiapp_[redacted]');
    expect(gp.logs.some((l) => l.msg === 'upstream request failed')).toBe(true);
  });

  it('no log line carries a token or a key', () => {
    const output = gp.logs.map((l) => JSON.stringify(l)).join('\n') + stderr;
    for (const [what, secret] of Object.entries(secrets())) expect(output.includes(secret), what).toBe(false);
  });

  it('no request-log row carries a token or a key', () => {
    expect(requestLogRows.length).toBeGreaterThan(5);
    const rows = JSON.stringify(requestLogRows);
    for (const [what, secret] of Object.entries(secrets())) expect(rows.includes(secret), what).toBe(false);
  });
});
