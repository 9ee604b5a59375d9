// The CLI's update commands, its warnings, read-only commands on a data dir that does not exist,
// --verbose, one style for errors, and `bodhi serve`'s start and stop lines (issue #21).
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodhi } from '../support/cli.js';
import { tempHome } from '../support/gateway.js';
import { startGatewayProcess } from '../support/gateway-process.js';
import { writeTinyGguf } from '../support/tiny-gguf.js';

type Model = { id: string; name: string; api_format: string; base_url: string; has_api_key: boolean; models: string[]; prefix: string | null; forward_all: boolean; openai_organization: string | null; openai_project: string | null; websocket: boolean | null };

describe('bodhi update commands and warnings', () => {
  let home: string;
  const run = (...args: string[]) => bodhi(args, { BODHI_HOME: home, BODHI_DATABASE_URL: '' });
  const json = <T>(r: { code: number; stdout: string; stderr: string }): T => {
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as T;
  };
  const model = async (name: string): Promise<Model | undefined> => json<Model[]>(await run('api-models', 'list', '--json')).find((m) => m.name === name);

  beforeAll(() => {
    home = tempHome('bodhi-cli-polish-');
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('warns when an API model is added without a key (and still adds it), not when it has one', async () => {
    const keyless = await run('api-models', 'add', '--name', 'keyless', '--format', 'openai', '--base-url', 'http://127.0.0.1:9/v1', '--models', 'kl-1');
    expect(keyless.code, keyless.stderr).toBe(0);
    expect(JSON.parse(keyless.stdout)).toMatchObject({ name: 'keyless', has_api_key: false });
    expect(keyless.stderr).toMatch(/^warning: API model 'keyless' has no API key: .*bodhi api-models update keyless --api-key-env VAR/m);
    const keyed = await run('api-models', 'add', '--name', 'keyed', '--format', 'openai', '--base-url', 'http://127.0.0.1:9/v1', '--models', 'kd-1', '--api-key', 'sk-polish');
    expect(keyed.code, keyed.stderr).toBe(0);
    expect(keyed.stderr).toBe('');
  });

  it('updates an API model: the flags given change, the others and the id stay', async () => {
    const add = json<Model>(await run('api-models', 'add', '--name', 'res', '--format', 'openai_responses', '--base-url', 'http://127.0.0.1:9/v1', '--models', 'r-1', '--prefix', 'res/', '--openai-project', 'proj_1', '--websocket', 'on'));

    // A new key from the environment, nothing else.
    const rekeyed = await bodhi(['api-models', 'update', 'res', '--api-key-env', 'POLISH_KEY'], { BODHI_HOME: home, POLISH_KEY: 'sk-new-key-456' });
    const rekeyedView = json<Model>(rekeyed);
    expect(rekeyedView).toMatchObject({ id: add.id, name: 'res', has_api_key: true, models: ['r-1'], prefix: 'res/', openai_project: 'proj_1', websocket: true, base_url: 'http://127.0.0.1:9/v1' });
    expect(rekeyed.stdout).not.toContain('sk-new-key-456');

    // Several fields at once; the key, the project and the id are kept.
    const changed = json<Model>(await run('api-models', 'update', 'res', '--name', 'res2', '--models', 'r-1,r-2', '--forward-all', '--websocket', 'auto', '--openai-organization', 'org-9'));
    expect(changed).toMatchObject({ id: add.id, name: 'res2', models: ['r-1', 'r-2'], forward_all: true, prefix: 'res/', websocket: null, openai_organization: 'org-9', openai_project: 'proj_1', has_api_key: true });
    expect(await model('res')).toBeUndefined();

    // Clearing: none for the prefix and the account ids, --no-forward-all, --no-api-key.
    const cleared = json<Model>(await run('api-models', 'update', add.id, '--no-forward-all', '--prefix', 'none', '--openai-organization', 'none', '--openai-project', 'none', '--no-api-key'));
    expect(cleared).toMatchObject({ id: add.id, name: 'res2', prefix: null, forward_all: false, openai_organization: null, openai_project: null, has_api_key: false, models: ['r-1', 'r-2'] });

    // Another format and base URL.
    const moved = json<Model>(await run('api-models', 'update', 'res2', '--format', 'anthropic', '--base-url', 'https://api.anthropic.com/v1'));
    expect(moved).toMatchObject({ id: add.id, api_format: 'anthropic', base_url: 'https://api.anthropic.com/v1', websocket: null });
  });

  it('keeps a router pointing at an API model that is renamed or re-keyed', async () => {
    json(await run('api-models', 'add', '--name', 'tgt', '--format', 'openai', '--base-url', 'http://127.0.0.1:9/v1', '--models', 'tgt-m', '--api-key', 'sk-a'));
    json(await run('routers', 'add', '--name', 'polish-router', '--target', 'api_model=tgt,model=tgt-m'));
    json(await run('api-models', 'update', 'tgt', '--name', 'tgt-renamed', '--api-key', 'sk-b'));
    const [router] = json<{ name: string; targets: { api_model: string }[] }[]>(await run('routers', 'list', '--json'));
    expect(router).toMatchObject({ name: 'polish-router', targets: [{ api_model: 'tgt-renamed' }] });
  });

  it('refuses an API model update with nothing to change, an unknown name, a taken name or a moved key', async () => {
    const cases: [string[], RegExp, number][] = [
      [['api-models', 'update', 'keyed'], /^error: nothing to change/, 1],
      [['api-models', 'update', 'no-such', '--models', 'x'], /^error: API model 'no-such' not found\n$/, 4],
      [['api-models', 'update', 'keyed', '--name', 'keyless'], /^error: an API model named 'keyless' already exists\n$/, 3],
      [['api-models', 'update', 'keyed', '--base-url', 'http://127.0.0.1:10/v1'], /^error: base_url moves API model 'keyed' to http:\/\/127\.0\.0\.1:10\/v1; its stored key is only sent to/, 1],
      [['api-models', 'update', 'keyed', '--format', 'bedrock'], /Allowed choices are openai, openai_responses, anthropic, gemini/, 1],
    ];
    for (const [args, message, code] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(await model('keyed')).toMatchObject({ base_url: 'http://127.0.0.1:9/v1', has_api_key: true });
  });

  it('updates a token: expiry, allowed models and rate limit, each cleared with none', async () => {
    const token = (await run('tokens', 'create', '--name', 'upd')).stdout.trim();
    const future = new Date(Date.now() + 86_400_000).toISOString();
    const set = await run('tokens', 'update', 'upd', '--expires-at', future, '--allowed-models', 'kl-1,kd-1', '--rate-limit-rpm', '30');
    expect(json(set)).toMatchObject({ name: 'upd', expires_at: future, allowed_models: ['kl-1', 'kd-1'], rate_limit_rpm: 30, state: 'active' });
    expect(set.stderr).toBe(''); // both models exist: no warning
    expect(set.stdout).not.toContain(token);
    const cleared = await run('tokens', 'update', 'upd', '--expires-at', 'none', '--allowed-models', 'none', '--rate-limit-rpm', 'none');
    expect(json(cleared)).toMatchObject({ name: 'upd', expires_at: null, allowed_models: null, rate_limit_rpm: null });
    const renamed = await run('tokens', 'update', 'upd', '--name', 'upd2', '--scope', 'power_user');
    expect(json(renamed)).toMatchObject({ name: 'upd2', scope: 'power_user' });

    for (const [args, message, code] of [
      [['tokens', 'update', 'upd2'], /^error: nothing to change/, 1],
      [['tokens', 'update', 'no-such', '--rate-limit-rpm', '1'], /^error: token 'no-such' not found\n$/, 4],
      [['tokens', 'update', 'upd2', '--rate-limit-rpm', '0'], /positive integer/, 1],
      [['tokens', 'update', 'upd2', '--expires-at', 'soon'], /^error: expires_at must be an ISO 8601 date-time or null\n$/, 1],
    ] as [string[], RegExp, number][]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('warns when --allowed-models names models nothing serves, naming them (the token is still made)', async () => {
    const created = await run('tokens', 'create', '--name', 'typo', '--allowed-models', 'kl-1,gtp-5,nope');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^sk-bodhiapp_\S+\n$/);
    expect(created.stderr).toMatch(/^warning: --allowed-models names 'gtp-5', 'nope', which no API model, alias or router serves yet/m);
    expect(created.stderr).not.toContain("'kl-1'");
    // A router name and a forward-all prefix count as served.
    json(await run('api-models', 'add', '--name', 'fwd', '--format', 'openai', '--base-url', 'http://127.0.0.1:9/v1', '--prefix', 'fwd/', '--forward-all'));
    const served = await run('tokens', 'update', 'typo', '--allowed-models', 'polish-router,fwd/anything,KL-1');
    expect(served.code, served.stderr).toBe(0);
    expect(served.stderr).toBe('');
    const unknown = await run('tokens', 'update', 'typo', '--allowed-models', 'polish-router,ghost');
    expect(unknown.code, unknown.stderr).toBe(0);
    expect(unknown.stderr).toMatch(/^warning: --allowed-models names 'ghost', /m);
  });

  it('says so when the token is already revoked', async () => {
    expect((await run('tokens', 'create', '--name', 'twice')).code).toBe(0);
    const first = await run('tokens', 'revoke', 'twice');
    expect(first).toMatchObject({ code: 0, stdout: "revoked token 'twice'\n" });
    const second = await run('tokens', 'revoke', 'twice');
    expect(second.code).toBe(0);
    expect(second.stdout).toBe("token 'twice' was already revoked; nothing changed\n");
  });

  it('updates a local alias: the flags given change, the rest stay', async () => {
    const file = writeTinyGguf(join(home, 'a.gguf'));
    const other = writeTinyGguf(join(home, 'b.gguf'));
    const add = json<{ id: string }>(await run('aliases', 'add', '--name', 'tiny', '--model-file', file, '--context-size', '512', '--request-params', '{"temperature":0.5}'));
    const renamed = json(await run('aliases', 'update', 'tiny', '--name', 'tiny2', '--context-size', 'none'));
    expect(renamed).toMatchObject({ id: add.id, name: 'tiny2', model_file: file, context_size: null, request_params: { temperature: 0.5 } });
    const moved = json(await run('aliases', 'update', 'tiny2', '--model-file', other, '--request-params', '{}'));
    expect(moved).toMatchObject({ id: add.id, name: 'tiny2', model_file: other, context_size: null, request_params: {} });
    for (const [args, message, code] of [
      [['aliases', 'update', 'tiny2'], /^error: nothing to change/, 1],
      [['aliases', 'update', 'no-such', '--context-size', '64'], /^error: local alias 'no-such' not found\n$/, 4],
      [['aliases', 'update', 'tiny2', '--model-file', join(home, 'missing.gguf')], /^error: model_file '.*missing\.gguf' does not exist\n$/, 1],
    ] as [string[], RegExp, number][]) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('prints the data dir and database used with --verbose, on stderr only', async () => {
    const r = await run('tokens', 'list', '--json', '--verbose');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`using data dir ${home}, database sqlite ${join(home, 'bodhi.sqlite')}\n`);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    const quiet = await run('tokens', 'list', '--json');
    expect(quiet.stderr).toBe('');
    const created = await run('tokens', 'create', '--name', 'verbose', '--verbose');
    expect(created.stdout).toMatch(/^sk-bodhiapp_\S+\n$/);
    expect(created.stderr).toContain(`using data dir ${home}, database sqlite`);
  });

  it('prints every error in one style: error: <lowercase message>, no field repeated, no period', async () => {
    const failures = [
      ['api-models', 'add', '--name', 'x', '--format', 'openai', '--base-url', 'ftp://x', '--models', 'a'],
      ['api-models', 'add', '--name', 'keyed', '--format', 'openai', '--base-url', 'http://x', '--models', 'zzz'],
      ['api-models', 'add', '--name', 'x', '--format', 'openai', '--base-url', 'http://x', '--forward-all'],
      ['api-models', 'remove', 'no-such'],
      ['tokens', 'create', '--name', 'x', '--rate-limit-rpm', 'lots'],
      ['tokens', 'revoke', 'no-such'],
      ['tokens', 'create'],
      ['routers', 'update', 'no-such', '--strategy', 'weighted'],
      ['routers', 'add', '--name', 'polish-router', '--target', 'api_model=keyed,model=kd-1'],
      ['usage', '--since', 'yesterday'],
    ];
    for (const args of failures) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      const first = r.stderr.split('\n')[0]!;
      expect(first, args.join(' ')).toMatch(/^error: (?![A-Z](?![A-Z0-9_]))\S/); // lowercase, or a name such as API
      expect(first, args.join(' ')).not.toMatch(/\.$/);
      // A field is appended in parentheses only when the message does not name it already.
      const field = /\((\w+)\)$/.exec(first)?.[1];
      if (field) expect(first.slice(0, -field.length - 2), args.join(' ')).not.toContain(field);
    }
  });
});

describe('read-only commands on a data dir that does not exist', () => {
  let parent: string;
  let home: string;
  beforeAll(() => {
    parent = tempHome('bodhi-cli-nohome-');
    home = join(parent, 'never-created');
  });
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('list and usage exit 0 with nothing, say which data dir they looked in, and create nothing', async () => {
    const env = { BODHI_HOME: home, BODHI_DATABASE_URL: '' };
    for (const group of ['api-models', 'aliases', 'routers', 'tokens']) {
      const table = await bodhi([group, 'list'], env);
      expect(table.code, `${group}: ${table.stderr}`).toBe(0);
      expect(table.stdout).toBe('(none)\n');
      expect(table.stderr).toContain(`no data in ${home} yet`);
      const asJson = await bodhi([group, 'list', '--json', '--home', home], {});
      expect(asJson.code, asJson.stderr).toBe(0);
      expect(JSON.parse(asJson.stdout)).toEqual([]);
      expect(asJson.stderr).toContain(home);
    }
    const usage = await bodhi(['usage', '--json'], env);
    expect(usage.code, usage.stderr).toBe(0);
    expect(JSON.parse(usage.stdout)).toMatchObject({ object: 'usage.summary', groups: [], totals: { requests: 0, total_tokens: 0 } });
    expect(usage.stderr).toContain(`no data in ${home} yet`);
    const usageTable = await bodhi(['usage'], env);
    expect(usageTable.code).toBe(0);
    expect(usageTable.stdout).toMatch(/^TOTAL\s+0\s+0/m);
    expect(existsSync(home)).toBe(false);

    // A command that writes creates it.
    expect((await bodhi(['tokens', 'create', '--name', 'first'], env)).code).toBe(0);
    expect(existsSync(join(home, 'bodhi.sqlite'))).toBe(true);
    const listed = await bodhi(['tokens', 'list', '--json'], env);
    expect(listed.stderr).toBe('');
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'first' }]);
  });
});

describe('bodhi serve start and stop lines', () => {
  it('names the UI, the API docs and how to create an admin token, and ends with stopped', async () => {
    const home = tempHome('bodhi-serve-lines-');
    const gw = await startGatewayProcess([], { BODHI_HOME: home, BODHI_DATABASE_URL: '' });
    const start = gw.logs.find((l) => String(l.msg).startsWith('Bodhi Gateway listening'))!;
    expect(start).toMatchObject({ ui: `${gw.url}/ui/`, docs: `${gw.url}/swagger-ui`, home });
    expect(start.msg).toBe(`Bodhi Gateway listening on ${gw.url} (web UI ${gw.url}/ui/, API docs ${gw.url}/swagger-ui); no admin token yet: create one with \`bodhi tokens create --name admin --scope admin\``);
    expect(start.hint).toBe('no admin token yet: create one with `bodhi tokens create --name admin --scope admin`');
    expect((await fetch(`${gw.url}/swagger-ui`)).status).toBe(200);
    expect(await gw.stop()).toBe(0);
    // The last lines may still be in the pipe when the process has exited.
    for (let i = 0; i < 50 && gw.logs.at(-1)?.msg !== 'stopped'; i++) await new Promise((r) => setTimeout(r, 20));
    expect(gw.logs.at(-1), JSON.stringify(gw.logs.slice(-3))).toMatchObject({ msg: 'stopped', signal: 'SIGTERM' });
    expect(gw.logs.some((l) => String(l.msg).startsWith('shutting down'))).toBe(true);
    rmSync(home, { recursive: true, force: true });
  }, 30_000);

  it('leaves the admin hint out once an admin token exists, and names --home when given', async () => {
    const home = tempHome('bodhi-serve-admin-');
    try {
      const withoutAdmin = await startGatewayProcess(['--home', home], { BODHI_DATABASE_URL: '' });
      const first = withoutAdmin.logs.find((l) => String(l.msg).startsWith('Bodhi Gateway listening'))!;
      expect(first.hint).toBe(`no admin token yet: create one with \`bodhi tokens create --name admin --scope admin --home ${home}\``);
      expect(await withoutAdmin.stop()).toBe(0);

      expect((await bodhi(['tokens', 'create', '--name', 'admin', '--scope', 'admin', '--home', home])).code).toBe(0);
      const gw = await startGatewayProcess(['--home', home], { BODHI_DATABASE_URL: '' });
      const start = gw.logs.find((l) => String(l.msg).startsWith('Bodhi Gateway listening'))!;
      expect(start.msg).toBe(`Bodhi Gateway listening on ${gw.url} (web UI ${gw.url}/ui/, API docs ${gw.url}/swagger-ui)`);
      expect(start).not.toHaveProperty('hint');
      expect(await gw.stop()).toBe(0);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 40_000);
});
