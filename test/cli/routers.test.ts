// `bodhi routers add|list|update|remove` through the real binary, on SQLite in a temp home.
// The service's own rules are covered through the API (test/e2e/routers.test.ts); here: the
// flags, the --target syntax, and that errors reach the terminal with their exit codes.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodhi } from '../support/cli.js';
import { tempHome } from '../support/gateway.js';

type Listed = { name: string; strategy: string; api_format: string; targets: { api_model: string; model: string; weight: number; enabled: boolean }[]; retry_on_status: number[]; max_attempts: number | null; failure_threshold: number; cooldown_ms: number; failure_window_ms: number; max_retry_after_ms: number };

const ODD_ID = 'acme/gpt-5:latest@2025-08';

describe('bodhi routers', () => {
  let home: string;
  const run = (...args: string[]) => bodhi(args, { BODHI_HOME: home });
  const listed = async (): Promise<Listed[]> => {
    const r = await run('routers', 'list', '--json');
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    home = tempHome('bodhi-cli-routers-');
    for (const [name, models] of [['openai-a', 'gpt-5'], ['openai-b', 'gpt-5-b']] as const) {
      const r = await run('api-models', 'add', '--name', name, '--format', 'openai', '--base-url', 'http://127.0.0.1:9/v1', '--models', models);
      expect(r.code, r.stderr).toBe(0);
    }
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('has --help on the group and every subcommand, naming every flag', async () => {
    const group = await run('routers', '--help');
    expect(group.code).toBe(0);
    for (const sub of ['add', 'list', 'update', 'remove']) expect(group.stdout).toContain(sub);
    for (const sub of ['add', 'list', 'update', 'remove']) {
      const r = await run('routers', sub, '--help');
      expect(r.code, sub).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^Usage: bodhi routers ${sub}`));
      for (const flag of ['--home', '--database-url <url>']) expect(r.stdout, sub).toContain(flag);
    }
    const settings = ['--strategy', '--target', '--retry-on', '--max-attempts', '--failure-threshold', '--failure-window-ms', '--cooldown-ms', '--max-retry-after-ms'];
    const add = (await run('routers', 'add', '--help')).stdout;
    for (const flag of ['--name', ...settings]) expect(add).toContain(flag);
    expect(add.replace(/\s+/g, ' ')).toContain('api_model=<API model name>,model=<upstream model id>[,weight=<n>][,enabled=true|false]');
    const update = (await run('routers', 'update', '--help')).stdout;
    for (const flag of ['--name <new-name>', ...settings]) expect(update).toContain(flag);
  });

  it('adds a router with two targets in order, one weighted with an id holding : / and @', async () => {
    const r = await run('routers', 'add', '--name', 'team-default', '--strategy', 'fallback', '--target', 'api_model=openai-a,model=gpt-5', '--target', `api_model=openai-b,model=${ODD_ID},weight=3`, '--failure-threshold', '5');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: 'team-default',
      api_format: 'openai',
      strategy: 'fallback',
      targets: [
        { api_model: 'openai-a', model: 'gpt-5', weight: 1, enabled: true },
        { api_model: 'openai-b', model: ODD_ID, weight: 3, enabled: true },
      ],
      failure_threshold: 5,
    });
  });

  it('lists routers as a table and as JSON, targets in order with their weights', async () => {
    const table = await run('routers', 'list');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+STRATEGY\s+FORMAT\s+TARGETS\s+SETTINGS\n/);
    expect(table.stdout).toMatch(new RegExp(`^team-default\\s+fallback\\s+openai\\s+openai-a/gpt-5 \\(w=1\\), openai-b/${ODD_ID} \\(w=3\\)\\s+retry_on=429,500,502,503,504,529 max_attempts=none failure_threshold=5 `, 'm'));
    const [router, ...rest] = await listed();
    expect(rest).toEqual([]);
    expect(router!.targets.map((t) => [t.api_model, t.model, t.weight])).toEqual([
      ['openai-a', 'gpt-5', 1],
      ['openai-b', ODD_ID, 3],
    ]);
  });

  it('update changes only the flags given; --target replaces the whole list; --name renames', async () => {
    const before = (await listed())[0]!;
    const r = await run('routers', 'update', 'team-default', '--strategy', 'weighted', '--cooldown-ms', '1234');
    expect(r.code, r.stderr).toBe(0);
    const after = (await listed())[0]!;
    expect(after).toMatchObject({ ...before, strategy: 'weighted', cooldown_ms: 1234, updated_at: expect.any(String) });
    expect(after.failure_threshold).toBe(5); // kept

    const retargeted = await run('routers', 'update', 'team-default', '--target', 'api_model=openai-b,model=gpt-5-b,enabled=false', '--target', 'api_model=openai-a,model=gpt-5,weight=7');
    expect(retargeted.code, retargeted.stderr).toBe(0);
    const now = (await listed())[0]!;
    expect(now.targets.map((t) => [t.api_model, t.model, t.weight, t.enabled])).toEqual([
      ['openai-b', 'gpt-5-b', 1, false],
      ['openai-a', 'gpt-5', 7, true],
    ]);
    expect(now).toMatchObject({ strategy: 'weighted', cooldown_ms: 1234, failure_threshold: 5 });
    expect((await run('routers', 'list')).stdout).toContain('openai-b/gpt-5-b (w=1, disabled), openai-a/gpt-5 (w=7)');

    const settings = await run('routers', 'update', 'team-default', '--retry-on', '503,429', '--max-attempts', '2', '--failure-window-ms', '5000', '--max-retry-after-ms', '0');
    expect(settings.code, settings.stderr).toBe(0);
    expect((await listed())[0]).toMatchObject({ retry_on_status: [429, 503], max_attempts: 2, failure_window_ms: 5000, max_retry_after_ms: 0, cooldown_ms: 1234 });
    expect((await run('routers', 'update', 'team-default', '--max-attempts', 'none')).code).toBe(0);
    expect((await listed())[0]!.max_attempts).toBeNull();

    const renamed = await run('routers', 'update', 'team-default', '--name', 'team-main');
    expect(renamed.code, renamed.stderr).toBe(0);
    expect((await listed()).map((x) => x.name)).toEqual(['team-main']);
    expect((await run('routers', 'update', 'team-main', '--name', 'team-default')).code).toBe(0);
  }, 90_000);

  it('refuses a bad --target naming it, and bad numbers, with exit code 1 and nothing changed', async () => {
    const before = await listed();
    const cases: [string[], RegExp][] = [
      [['--target', 'api_model=openai-a'], /'--target <spec>' argument 'api_model=openai-a' is invalid\. model is missing/],
      [['--target', 'api_model=openai-a,modle=gpt-5'], /argument 'api_model=openai-a,modle=gpt-5' is invalid\. unknown key 'modle'/],
      [['--target', 'api_model=openai-a,model=gpt-5,weight=abc'], /argument 'api_model=openai-a,model=gpt-5,weight=abc' is invalid\. weight 'abc' is not an integer/],
      [['--target', 'api_model=openai-a,model=gpt-5,enabled=yes'], /enabled must be true or false, not 'yes'/],
      [['--target', 'api_model=openai-a,gpt-5'], /argument 'api_model=openai-a,gpt-5' is invalid\. 'gpt-5' is not key=value/],
      [['--target', 'api_model=openai-a,model=gpt-5,model=gpt-4'], /model is given twice/],
      [['--target', 'api_model=no-such,model=gpt-5'], /API model 'no-such' not found/],
      [['--target', 'api_model=openai-a,model=gpt-5', '--max-attempts', 'lots'], /'--max-attempts <n>' argument 'lots' is invalid\. must be an integer/],
      [['--target', 'api_model=openai-a,model=gpt-5', '--cooldown-ms', '1.5'], /'--cooldown-ms <ms>' argument '1\.5' is invalid\. must be an integer/],
      [['--target', 'api_model=openai-a,model=gpt-5', '--retry-on', '429,oops'], /'oops' is not an HTTP status/],
      [['--target', 'api_model=openai-a,model=gpt-5', '--retry-on', '200'], /retry_on_status must be an array of HTTP statuses from 400 to 599/],
      [['--target', 'api_model=openai-a,model=gpt-5', '--max-attempts', '0'], /max_attempts must be an integer from 1 to 32/],
      [['--target', 'api_model=openai-a,model=gpt-5', '--strategy', 'random'], /Allowed choices are fallback, weighted/],
      [[], /required option '--target <spec>' not specified/],
    ];
    for (const [flags, message] of cases) {
      const args = ['routers', 'add', '--name', 'bad', ...flags];
      const r = await run(...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack traces
    }
    const update = await run('routers', 'update', 'team-default', '--target', 'api_model=openai-a,weight=2');
    expect(update.code).toBe(1);
    expect(update.stderr).toMatch(/argument 'api_model=openai-a,weight=2' is invalid\. model is missing/);
    const nothing = await run('routers', 'update', 'team-default');
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/nothing to change/);
    expect(await listed()).toEqual(before);
  }, 90_000);

  it('reports a name clash (409: exit code 3) and an unknown router (404: exit code 4) with the service message', async () => {
    const clash = await run('routers', 'add', '--name', 'gpt-5', '--target', 'api_model=openai-a,model=gpt-5');
    expect(clash.code).toBe(3);
    expect(clash.stderr).toBe("error: model 'gpt-5' is already served by API model 'openai-a' (name)\n");
    const twin = await run('routers', 'add', '--name', 'team-default', '--target', 'api_model=openai-a,model=gpt-5');
    expect(twin.code).toBe(3);
    expect(twin.stderr).toContain("error: a router named 'team-default' already exists\n");
    const rename = await run('routers', 'update', 'team-default', '--name', 'gpt-5-b');
    expect(rename.code).toBe(3);
    expect(rename.stderr).toContain("error: model 'gpt-5-b' is already served by API model 'openai-b'");
    for (const args of [['update', 'no-such', '--strategy', 'weighted'], ['remove', 'no-such']]) {
      const r = await run('routers', ...args);
      expect(r.code, args.join(' ')).toBe(4);
      expect(r.stderr).toBe("error: router 'no-such' not found\n");
    }
  });

  it('removes a router', async () => {
    const r = await run('routers', 'remove', 'team-default');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("removed router 'team-default'\n");
    expect(await listed()).toEqual([]);
    expect((await run('routers', 'list')).stdout).toBe('(none)\n');
  });
});
