// Secrets never leave where they belong. A real `bodhi serve` process (debug logging) and the
// CLI handle traffic that touches every secret: successes, streams, auth failures, upstream
// failures, management calls. Then its stdout/stderr, every answer the clients got, every
// request the upstream got, and every file in the data dir (database, WAL, SHM) are searched
// for the upstream API keys and the gateway tokens.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildGateway, type ChildGateway } from '../support/child-gateway.js';
import { bodhi } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { DOCS_JSON_PATH } from '../../src/app/docs.js';
import { tempHome } from '../support/gateway.js';

const KEY = 'sk-proj-SecretCanary-9d1e7f3a2b';
const KEY_CLI_FLAG = 'sk-proj-FlagCanary-5c2a8e1d';
const KEY_UNREACHABLE = 'sk-proj-DeadUpstreamCanary-77aa';
const CONTENT = 'CLIENT-CONTENT-CANARY-31337';

describe('secrets', () => {
  let home: string;
  let up: FakeUpstream;
  let gw: ChildGateway;
  let admin: string;
  let user: string;
  /** Every token created in this test. */
  const tokens: string[] = [];
  /** Every answer a client got: status line, headers and body. */
  const answers: string[] = [];
  const cliOutput: string[] = [];
  const docs: { path: string; status: number | string; text: string }[] = [];

  const cli = async (...args: string[]) => {
    const r = await bodhi([...args, '--home', home], { SECRET_KEY_VAR: KEY, BODHI_LOG_LEVEL: 'debug' });
    cliOutput.push(r.stdout, r.stderr);
    expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r.stdout;
  };

  async function call(path: string, init: RequestInit & { token?: string | null; json?: unknown } = {}): Promise<Response> {
    const { token = user, json, ...rest } = init;
    const headers = new Headers(rest.headers);
    if (token) headers.set('authorization', `Bearer ${token}`);
    if (json !== undefined) headers.set('content-type', 'application/json');
    const res = await fetch(gw.url + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
    const body = await res.text().catch((err: Error) => `<body cut: ${err.message}>`);
    answers.push(`${res.status}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${body}`);
    return new Response(body, { status: res.status, headers: res.headers });
  }

  beforeAll(async () => {
    home = tempHome();
    up = await startFakeUpstream({ apiKey: KEY, eventDelayMs: 1 });
    admin = (await cli('tokens', 'create', '--name', 'admin', '--scope', 'admin')).trim();
    user = (await cli('tokens', 'create', '--name', 'user', '--allowed-models', 'gpt-5,gpt-4o,text-embedding-3-small')).trim();
    tokens.push(admin, user);
    await cli('api-models', 'add', '--name', 'responses', '--format', 'openai_responses', '--base-url', up.url, '--api-key-env', 'SECRET_KEY_VAR', '--models', 'gpt-5');
    await cli('api-models', 'add', '--name', 'flagged', '--format', 'openai', '--base-url', up.url, '--api-key', KEY_CLI_FLAG, '--models', 'gpt-4o-mini');
    gw = await startChildGateway({ home, env: { BODHI_LOG_LEVEL: 'debug' } });

    // The management API adds one with the real key and one whose upstream does not exist.
    expect((await call('/bodhi/v1/api-models', { method: 'POST', token: admin, json: { name: 'chat', api_format: 'openai', base_url: up.url, api_key: KEY, models: ['gpt-4o', 'text-embedding-3-small'] } })).status).toBe(201);
    expect(
      (await call('/bodhi/v1/api-models', { method: 'POST', token: admin, json: { name: 'dead', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', api_key: KEY_UNREACHABLE, models: ['dead-model'] } }))
        .status,
    ).toBe(201);
    const created = await call('/bodhi/v1/tokens', { method: 'POST', token: admin, json: { name: 'via-api', scope: 'power_user' } });
    const viaApi = ((await created.json()) as { token: string }).token;
    expect(viaApi).toMatch(/^sk-bodhiapp_/);
    tokens.push(viaApi);

    // Traffic, with client credentials in every header a client might use.
    const sneaky = { cookie: `session=${user}`, 'x-api-key': user, 'api-key': user, 'proxy-authorization': `Bearer ${user}`, 'x-bodhi-debug': user };
    expect((await call('/v1/responses', { method: 'POST', json: { model: 'gpt-5', input: `hello ${CONTENT}` }, headers: sneaky })).status).toBe(200);
    expect((await call('/v1/responses', { method: 'POST', json: { model: 'gpt-5', input: CONTENT, stream: true }, headers: sneaky })).status).toBe(200);
    expect((await call('/v1/chat/completions', { method: 'POST', json: { model: 'gpt-4o', messages: [{ role: 'user', content: CONTENT }] } })).status).toBe(200);
    expect((await call('/v1/embeddings', { method: 'POST', json: { model: 'text-embedding-3-small', input: CONTENT } })).status).toBe(200);
    // The fake accepts only KEY: the upstream's own 401 passes through.
    expect((await call('/v1/chat/completions', { method: 'POST', token: viaApi, json: { model: 'gpt-4o-mini', messages: [] } })).status).toBe(401);
    // Error paths.
    expect((await call('/v1/chat/completions', { method: 'POST', token: viaApi, json: { model: 'dead-model', messages: [] } })).status).toBe(502);
    up.setFault({ status: 500, times: 1 });
    expect((await call('/v1/responses', { method: 'POST', json: { model: 'gpt-5', input: CONTENT } })).status).toBe(500);
    up.setFault({ resetMidStreamAfterEvents: 2, times: 1 });
    await call('/v1/responses', { method: 'POST', json: { model: 'gpt-5', input: CONTENT, stream: true } });
    expect((await call('/v1/models', { token: user + 'x' })).status).toBe(401);
    expect((await call('/v1/models', { token: user.slice(0, -1) + (user.endsWith('a') ? 'b' : 'a') })).status).toBe(401);
    expect((await call('/v1/models', { token: null, headers: { authorization: `Basic ${Buffer.from(`u:${user}`).toString('base64')}` } })).status).toBe(401);
    expect((await call('/bodhi/v1/api-models', { token: user })).status).toBe(403);
    expect((await call('/v1/chat/completions', { method: 'POST', json: { model: 'gpt-4o-mini', messages: [] } })).status).toBe(403);
    expect((await call('/v1/responses', { method: 'POST', body: `{"model":"gpt-5","input":"${KEY}`, headers: { 'content-type': 'application/json' } })).status).toBe(400);
    for (const path of ['/bodhi/v1/api-models', '/bodhi/v1/api-models/chat', '/bodhi/v1/tokens', '/bodhi/v1/info']) {
      expect((await call(path, { token: admin })).status).toBe(200);
    }
    expect((await call('/bodhi/v1/tokens/via-api', { method: 'DELETE', token: admin })).status).toBe(200);
    await cli('api-models', 'list', '--json');
    await cli('api-models', 'list');
    await cli('tokens', 'list', '--json');
    await cli('tokens', 'revoke', 'user');

    // The OpenAPI document, and the copy Swagger UI serves under its prefix. Fetched here, while the
    // server runs; the test below fails (never skips) when either did not answer.
    for (const path of [DOCS_JSON_PATH, '/swagger-ui/json']) {
      const res = await fetch(gw.url + path).catch((err: Error) => err);
      docs.push({ path, status: res instanceof Error ? res.message : res.status, text: res instanceof Error ? '' : await res.text() });
    }

    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
  });
  afterAll(async () => {
    await gw?.kill();
    await up?.close();
    rmSync(home, { recursive: true, force: true });
  });

  const secrets = () => [
    ['API key', KEY],
    ['API key set by CLI flag', KEY_CLI_FLAG],
    ['API key of an unreachable upstream', KEY_UNREACHABLE],
    ...tokens.flatMap((t, i) => [
      [`token ${i}`, t],
      [`token ${i} without its prefix`, t.slice('sk-bodhiapp_'.length)],
    ]),
  ];

  it('the server log (stdout and stderr, debug level) holds no key, token or request content', () => {
    const log = gw.stdout() + gw.stderr();
    expect(log).toContain('"msg":"request"'); // the access log is there
    expect(log.split('\n').filter(Boolean).length).toBeGreaterThan(20);
    for (const [what, secret] of secrets()) expect(log.includes(secret!), what).toBe(false);
    expect(log).not.toContain(CONTENT);
  });

  it('no answer a client got contains a key or a token it did not create; no upstream cookie', () => {
    const all = answers.join('\n\n');
    for (const [what, secret] of secrets().slice(0, 3)) expect(all.includes(secret!), `${what}: ${answers.find((a) => a.includes(secret!))}`).toBe(false);
    // Tokens appear in exactly one answer: the one that created them (management API), never echoed back otherwise.
    for (const t of tokens) expect(answers.filter((a) => a.includes(t)).length, t.slice(0, 16)).toBeLessThanOrEqual(1);
    expect(all.toLowerCase()).not.toContain('set-cookie');
    expect(all).not.toContain('__cf_bm');
  });

  it("the upstream never got a gateway token or a client credential header, only its own key", () => {
    expect(up.requests.length).toBeGreaterThan(5);
    for (const r of up.requests) {
      const headers = r.rawHeaders.join('\n');
      for (const t of tokens) {
        expect(headers.includes(t.slice('sk-bodhiapp_'.length))).toBe(false);
        expect(r.body.includes(t.slice('sk-bodhiapp_'.length))).toBe(false);
      }
      expect(r.headers.authorization).toMatch(new RegExp(`^Bearer (${KEY}|${KEY_CLI_FLAG})$`));
      for (const h of ['cookie', 'x-api-key', 'api-key', 'proxy-authorization', 'x-bodhi-debug']) expect(r.headers[h], h).toBeUndefined();
    }
  });

  it('the OpenAPI document (examples included) holds no configured key or token', () => {
    expect(docs.map((d) => [d.path, d.status])).toEqual([
      [DOCS_JSON_PATH, 200],
      ['/swagger-ui/json', 200],
    ]);
    for (const doc of docs) {
      const parsed = JSON.parse(doc.text) as { openapi?: string; paths?: Record<string, unknown> };
      expect(parsed.openapi, doc.path).toMatch(/^3\./);
      expect(Object.keys(parsed.paths ?? {}), doc.path).toContain('/v1/responses');
      for (const [what, secret] of secrets()) expect(doc.text.includes(secret!), `${what} in ${doc.path}`).toBe(false);
    }
  });

  it('CLI output never shows a key, and a token only when it is created', () => {
    const out = cliOutput.join('\n');
    for (const [what, secret] of secrets().slice(0, 3)) expect(out.includes(secret!), what).toBe(false);
    for (const t of [admin, user]) expect(out.split(t).length - 1).toBe(1);
  });

  it('no file in the data dir (database, WAL, SHM, key file) contains a key or a token, in UTF-8 or UTF-16', () => {
    const files = readdirSync(home).map((f) => join(home, f));
    expect(files.some((f) => f.endsWith('bodhi.sqlite'))).toBe(true);
    for (const file of files) {
      const bytes = readFileSync(file);
      for (const [what, secret] of secrets()) {
        expect(bytes.includes(Buffer.from(secret!)), `${what} in ${file}`).toBe(false);
        expect(bytes.includes(Buffer.from(secret!, 'utf16le')), `${what} (UTF-16) in ${file}`).toBe(false);
      }
      expect(bytes.includes(Buffer.from(CONTENT)), `request content in ${file}`).toBe(false);
    }
  });
});
