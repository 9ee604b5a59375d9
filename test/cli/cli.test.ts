import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodhi } from '../support/cli.js';
import { startTestGateway, tempHome, type TestGateway } from '../support/gateway.js';

describe('bodhi CLI', () => {
  let home: string;
  const run = (...args: string[]) => bodhi(args, { BODHI_HOME: home });

  beforeAll(() => {
    home = tempHome('bodhi-cli-');
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('has --help on every command', async () => {
    for (const cmd of [[], ['serve'], ['api-models'], ['api-models', 'add'], ['api-models', 'list'], ['api-models', 'update'], ['api-models', 'remove'], ['aliases', 'update'], ['tokens'], ['tokens', 'create'], ['tokens', 'list'], ['tokens', 'update'], ['tokens', 'revoke'], ['usage']]) {
      const r = await run(...cmd, '--help');
      expect(r.code, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: bodhi/);
    }
    const add = await run('api-models', 'add', '--help');
    for (const flag of ['--name', '--format', '--base-url', '--api-key', '--api-key-env', '--models', '--prefix', '--forward-all', '--openai-organization', '--openai-project', '--websocket']) expect(add.stdout).toContain(flag);
    const serve = await run('serve', '--help');
    for (const flag of ['--host', '--port', '--home']) expect(serve.stdout).toContain(flag);
  });

  it('adds an API model and prints it as JSON without the key', async () => {
    const r = await run('api-models', 'add', '--name', 'openai-res', '--format', 'openai_responses', '--base-url', 'https://api.openai.com/v1/', '--api-key', 'sk-cli-secret-123', '--models', 'gpt-5,gpt-4.1', '--prefix', 'res/');
    expect(r.code, r.stderr).toBe(0);
    const created = JSON.parse(r.stdout);
    expect(created).toMatchObject({ name: 'openai-res', api_format: 'openai_responses', base_url: 'https://api.openai.com/v1', has_api_key: true, models: ['gpt-5', 'gpt-4.1'], prefix: 'res/', forward_all: false });
    expect(r.stdout).not.toContain('sk-cli-secret-123');
  });

  it('adds anthropic and gemini API models with base URLs as the providers document them; --help names every format', async () => {
    const help = (await run('api-models', 'add', '--help')).stdout.replace(/\s+/g, ' ');
    expect(help).toContain('choices: "openai", "openai_responses", "anthropic", "gemini"');
    for (const text of ['anthropic (Anthropic Messages)', 'gemini (Google Gemini)', 'https://api.anthropic.com/v1', 'https://generativelanguage.googleapis.com/v1beta']) expect(help).toContain(text);

    const claude = await run('api-models', 'add', '--name', 'claude', '--format', 'anthropic', '--base-url', 'https://api.anthropic.com/v1', '--api-key', 'sk-ant-cli-secret', '--models', 'claude-sonnet-4-5');
    expect(claude.code, claude.stderr).toBe(0);
    expect(JSON.parse(claude.stdout)).toMatchObject({ name: 'claude', api_format: 'anthropic', base_url: 'https://api.anthropic.com/v1', has_api_key: true, models: ['claude-sonnet-4-5'] });
    const gemini = await run('api-models', 'add', '--name', 'gemini', '--format', 'gemini', '--base-url', 'https://generativelanguage.googleapis.com/v1beta/', '--models', 'gemini-2.5-flash', '--prefix', 'gem/');
    expect(gemini.code, gemini.stderr).toBe(0);
    expect(JSON.parse(gemini.stdout)).toMatchObject({ api_format: 'gemini', base_url: 'https://generativelanguage.googleapis.com/v1beta', prefix: 'gem/' });
    const listed = await run('api-models', 'list');
    expect(listed.stdout).toMatch(/claude\s+anthropic\s+https:\/\/api\.anthropic\.com\/v1/);
    expect(listed.stdout).toMatch(/gemini\s+gemini\s+https:\/\/generativelanguage\.googleapis\.com\/v1beta/);
    for (const name of ['claude', 'gemini']) expect((await run('api-models', 'remove', name)).code).toBe(0);
  });

  it('reads the key from an environment variable with --api-key-env', async () => {
    const r = await bodhi(['api-models', 'add', '--name', 'chat', '--format', 'openai', '--base-url', 'http://127.0.0.1:9/v1', '--api-key-env', 'MY_KEY', '--models', 'gpt-4o'], { BODHI_HOME: home, MY_KEY: 'sk-from-env' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).has_api_key).toBe(true);
    const missing = await bodhi(['api-models', 'add', '--name', 'chat2', '--format', 'openai', '--base-url', 'http://x/v1', '--api-key-env', 'NOPE_UNSET', '--models', 'm'], { BODHI_HOME: home });
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('NOPE_UNSET');
  });

  it('sets the websocket mode with --websocket on|off|auto (default auto) and shows it in the list', async () => {
    const add = (name: string, format: string, baseUrl: string, ...more: string[]) => run('api-models', 'add', '--name', name, '--format', format, '--base-url', baseUrl, '--models', `${name}-m`, ...more);
    const cases: [string, string[], boolean | null, boolean][] = [
      ['ws-default', [], null, false],
      ['ws-auto', ['--websocket', 'auto'], null, false],
      ['ws-on', ['--websocket', 'on'], true, true],
      ['ws-off', ['--websocket', 'off'], false, false],
    ];
    for (const [name, flags, websocket, effective] of cases) {
      const r = await add(name, 'openai_responses', 'http://127.0.0.1:9/v1', ...flags);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout), name).toMatchObject({ websocket, websocket_effective: effective });
    }
    const official = await add('ws-official', 'openai_responses', 'https://api.openai.com/v1');
    expect(JSON.parse(official.stdout)).toMatchObject({ websocket: null, websocket_effective: true });

    const table = (await run('api-models', 'list')).stdout;
    expect(table).toMatch(/HAS_API_KEY\s+WEBSOCKET/);
    for (const [name, cell] of [['ws-default', 'auto \\(off\\)'], ['ws-on', 'on'], ['ws-off', 'off'], ['ws-official', 'auto \\(on\\)']]) expect(table).toMatch(new RegExp(`^${name}\\s.*\\s${cell}$`, 'm'));
    const json = JSON.parse((await run('api-models', 'list', '--json')).stdout) as { name: string; websocket: boolean | null }[];
    expect(json.find((m) => m.name === 'ws-on')).toMatchObject({ websocket: true, websocket_effective: true });

    const chat = await add('ws-chat', 'openai', 'https://api.openai.com/v1', '--websocket', 'on');
    expect(chat.code).toBe(1);
    expect(chat.stderr).toMatch(/^error: websocket applies only to the openai_responses format, not 'openai'\. Leave it out \(or null\)\n$/);
    const bad = await add('ws-bad', 'openai_responses', 'https://api.openai.com/v1', '--websocket', 'yes');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Allowed choices are auto, on, off/);
    for (const name of [...cases.map((c) => c[0]), 'ws-official']) expect((await run('api-models', 'remove', name)).code).toBe(0);
  });

  it('rejects bad input with a clear message and a failing exit code', async () => {
    const cases: [string[], RegExp][] = [
      [['api-models', 'add', '--format', 'openai', '--base-url', 'http://x'], /--name/],
      [['api-models', 'add', '--name', 'x', '--format', 'bedrock', '--base-url', 'http://x', '--models', 'a'], /Allowed choices are openai, openai_responses, anthropic, gemini/],
      [['api-models', 'add', '--name', 'x', '--format', 'openai', '--base-url', 'ftp://x', '--models', 'a'], /http or https/],
      [['api-models', 'add', '--name', 'x', '--format', 'openai', '--base-url', 'not a url', '--models', 'a'], /not a valid URL/],
      [['api-models', 'add', '--name', 'x', '--format', 'openai', '--base-url', 'http://x'], /models must list at least one/],
      [['api-models', 'add', '--name', 'x', '--format', 'openai', '--base-url', 'http://x', '--forward-all'], /forward_all needs a prefix/],
      [['api-models', 'add', '--name', 'openai-res', '--format', 'openai', '--base-url', 'http://x', '--models', 'zzz'], /already exists/],
      [['api-models', 'add', '--name', 'dup-model', '--format', 'openai_responses', '--base-url', 'http://x', '--models', 'gpt-5', '--prefix', 'res/'], /'res\/gpt-5' is already served by API model 'openai-res'/],
      [['api-models', 'add', '--name', 'k', '--format', 'openai', '--base-url', 'http://x', '--models', 'a', '--api-key', 'a', '--api-key-env', 'B'], /cannot be used with/],
      [['api-models', 'remove', 'no-such'], /not found/],
      [['tokens', 'create'], /--name/],
      [['tokens', 'create', '--name', 'x', '--scope', 'root'], /Allowed choices are user, power_user, admin/],
      [['tokens', 'revoke', 'no-such'], /not found/],
      [['serve', '--port', 'abc'], /port number/],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack traces
    }
  });

  it('refuses a base URL the parser would rewrite, with exit code 1', async () => {
    for (const [url, message] of [
      ['http:///v1', /base_url 'http:\/\/\/v1' has no host/],
      ['http://x/v\r\n1', /base_url "http:\/\/x\/v\\r\\n1" must not contain spaces or control characters/],
    ] as const) {
      const r = await run('api-models', 'add', '--name', 'bad-url', '--format', 'openai', '--base-url', url, '--models', 'a');
      expect(r.code, url).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain('(base_url)'); // the message names the field already
    }
    expect(JSON.parse((await run('api-models', 'list', '--json')).stdout).map((m: { name: string }) => m.name)).not.toContain('bad-url');
  });

  it('lists API models as a table and as JSON, and removes them', async () => {
    const table = await run('api-models', 'list');
    expect(table.stdout).toMatch(/NAME\s+API_FORMAT/);
    expect(table.stdout).toContain('openai-res');
    const json = JSON.parse((await run('api-models', 'list', '--json')).stdout);
    expect(json.map((m: { name: string }) => m.name)).toEqual(['openai-res', 'chat']);
    expect(JSON.stringify(json)).not.toContain('sk-');
    const removed = await run('api-models', 'remove', 'chat');
    expect(removed.code).toBe(0);
    expect(JSON.parse((await run('api-models', 'list', '--json')).stdout)).toHaveLength(1);
  });

  it('creates a token printed alone on one line, lists and revokes it', async () => {
    const r = await run('tokens', 'create', '--name', 'ci', '--scope', 'power_user');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^sk-bodhiapp_[A-Za-z0-9_-]{43}\n$/);
    const token = r.stdout.trim();
    const list = JSON.parse((await run('tokens', 'list', '--json')).stdout);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'ci', scope: 'power_user', status: 'active' });
    expect(JSON.stringify(list)).not.toContain(token);
    expect((await run('tokens', 'list')).stdout).toMatch(/NAME\s+SCOPE\s+STATUS/);
    expect((await run('tokens', 'create', '--name', 'ci')).stderr).toMatch(/already exists/);
    expect((await run('tokens', 'revoke', 'ci')).code).toBe(0);
    expect(JSON.parse((await run('tokens', 'list', '--json')).stdout)[0].status).toBe('revoked');
    // the name is free again once revoked
    expect((await run('tokens', 'create', '--name', 'ci')).code).toBe(0);
  });

  it('refuses an expiry in the past and lists an expired token as expired', async () => {
    const past = await run('tokens', 'create', '--name', 'old', '--expires-at', '2001-01-01T00:00:00Z');
    expect(past.code).toBe(1);
    expect(past.stderr).toMatch(/^error: expires_at 2001-01-01T00:00:00.000Z is in the past; give a future time \(or null for no expiry\)\n$/);
    const expiresAt = Date.now() + 4000;
    expect((await run('tokens', 'create', '--name', 'brief', '--expires-at', new Date(expiresAt).toISOString())).code).toBe(0);
    const names = JSON.parse((await run('tokens', 'list', '--json')).stdout).map((t: { name: string }) => t.name);
    expect(names).not.toContain('old');
    await new Promise((r) => setTimeout(r, Math.max(0, expiresAt - Date.now() + 50)));
    const brief = JSON.parse((await run('tokens', 'list', '--json')).stdout).find((t: { name: string }) => t.name === 'brief');
    expect(brief).toMatchObject({ status: 'active', state: 'expired' });
    expect((await run('tokens', 'list')).stdout).toMatch(/^brief\s+user\s+expired\s/m);
  });
});

describe('CLI changes reach a running server within a second', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ syncIntervalMs: 250 });
  });
  afterAll(() => gw.close());

  async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
    const start = Date.now();
    while (Date.now() - start < ms) {
      if (await check()) return Date.now() - start;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`not seen within ${ms} ms`);
  }

  it('sees a new API model, a new token and a revocation without restart', async () => {
    const env = { BODHI_HOME: gw.home };
    expect((await bodhi(['api-models', 'add', '--name', 'live', '--format', 'openai_responses', '--base-url', 'http://127.0.0.1:9/v1', '--models', 'live-model'], env)).code).toBe(0);
    await within(1000, async () => {
      const body = (await (await gw.call('/v1/models')).json()) as { data: { id: string }[] };
      return body.data.some((m) => m.id === 'live-model');
    });

    const token = (await bodhi(['tokens', 'create', '--name', 'live-user'], env)).stdout.trim();
    await within(1000, async () => (await gw.call('/v1/models', { token })).status === 200);

    expect((await bodhi(['tokens', 'revoke', 'live-user'], env)).code).toBe(0);
    await within(1000, async () => (await gw.call('/v1/models', { token })).status === 401);
    const refused = await gw.call('/v1/models', { token });
    expect(((await refused.json()) as { error: unknown }).error).toMatchObject({ type: 'authentication_error', code: 'token_revoked' });
  });
});
