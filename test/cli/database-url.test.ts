// Every management command works against a shared PostgreSQL database given with
// --database-url (or BODHI_DATABASE_URL), and explains what is missing when it can't.
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodhi } from '../support/cli.js';
import { tempHome } from '../support/gateway.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

describe('CLI on PostgreSQL', () => {
  let pg: TestDatabase;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    pg = await createTestDatabase('cli');
    home = tempHome('bodhi-cli-pg-');
    env = { BODHI_HOME: home, BODHI_ENCRYPTION_KEY: randomBytes(32).toString('hex'), BODHI_DATABASE_URL: '' };
  });
  afterAll(async () => {
    await pg?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it('accepts --database-url on every command', async () => {
    const db = ['--database-url', pg.url];
    const add = await bodhi(['api-models', 'add', '--name', 'shared', '--format', 'openai', '--base-url', 'http://127.0.0.1:9/v1', '--api-key', 'sk-cli', '--models', 'gpt-4o', ...db], env);
    expect(add.code, add.stderr).toBe(0);
    const models = await bodhi(['api-models', 'list', '--json', ...db], env);
    expect(JSON.parse(models.stdout)).toMatchObject([{ name: 'shared', has_api_key: true }]);
    const created = await bodhi(['tokens', 'create', '--name', 'ci', ...db], env);
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout.trim()).toMatch(/^sk-bodhiapp_/);
    const tokens = await bodhi(['tokens', 'list', '--json', ...db], env);
    expect(JSON.parse(tokens.stdout)).toMatchObject([{ name: 'ci', status: 'active' }]);
    expect((await bodhi(['tokens', 'revoke', 'ci', ...db], env)).code).toBe(0);
    expect((await bodhi(['api-models', 'remove', 'shared', ...db], env)).code).toBe(0);
    // Nothing went to the SQLite file in the data dir.
    const local = await bodhi(['tokens', 'list', '--json'], env);
    expect(JSON.parse(local.stdout)).toEqual([]);
    // The same database through the variable.
    const viaEnv = await bodhi(['tokens', 'list', '--json'], { ...env, BODHI_DATABASE_URL: pg.url });
    expect(JSON.parse(viaEnv.stdout)).toMatchObject([{ name: 'ci', status: 'revoked' }]);
  });

  it('updates API models and tokens, and lists aliases and usage, with --database-url (--verbose names the database)', async () => {
    const db = ['--database-url', pg.url];
    expect((await bodhi(['api-models', 'add', '--name', 'upd', '--format', 'openai', '--base-url', 'http://127.0.0.1:9/v1', '--models', 'upd-a', ...db], env)).code).toBe(0);
    const updated = await bodhi(['api-models', 'update', 'upd', '--models', 'upd-a,upd-b', '--verbose', ...db], env);
    expect(updated.code, updated.stderr).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ name: 'upd', models: ['upd-a', 'upd-b'] });
    expect(updated.stderr).toMatch(/^using data dir .*, database postgres postgres:\/\//m);
    expect(updated.stderr).not.toContain(new URL(pg.url).password || '\u0000');
    expect((await bodhi(['tokens', 'create', '--name', 'upd-t', ...db], env)).code).toBe(0);
    const token = await bodhi(['tokens', 'update', 'upd-t', '--rate-limit-rpm', '7', ...db], env);
    expect(token.code, token.stderr).toBe(0);
    expect(JSON.parse(token.stdout)).toMatchObject({ name: 'upd-t', rate_limit_rpm: 7 });
    const aliases = await bodhi(['aliases', 'list', '--json', ...db], env);
    expect(aliases.code, aliases.stderr).toBe(0);
    expect(JSON.parse(aliases.stdout)).toEqual([]);
    expect((await bodhi(['aliases', 'remove', 'no-such', ...db], env)).code).toBe(4);
    const usage = await bodhi(['usage', '--json', ...db], env);
    expect(usage.code, usage.stderr).toBe(0);
    expect(JSON.parse(usage.stdout)).toMatchObject({ object: 'usage.summary', totals: { requests: 0 } });
    expect((await bodhi(['tokens', 'revoke', 'upd-t', ...db], env)).code).toBe(0);
    expect((await bodhi(['api-models', 'remove', 'upd', ...db], env)).code).toBe(0);
    // None of it went to the data dir.
    expect(JSON.parse((await bodhi(['api-models', 'list', '--json'], env)).stdout)).toEqual([]);
  }, 60_000);

  it('manages routers with --database-url', async () => {
    const db = ['--database-url', pg.url];
    for (const name of ['pg-a', 'pg-b']) {
      const add = await bodhi(['api-models', 'add', '--name', name, '--format', 'openai', '--base-url', 'http://127.0.0.1:9/v1', '--models', `${name}-model`, ...db], env);
      expect(add.code, add.stderr).toBe(0);
    }
    const created = await bodhi(['routers', 'add', '--name', 'pg-router', '--target', 'api_model=pg-a,model=org/m:1@v2', '--target', 'api_model=pg-b,model=m,weight=3', ...db], env);
    expect(created.code, created.stderr).toBe(0);
    const updated = await bodhi(['routers', 'update', 'pg-router', '--strategy', 'weighted', ...db], env);
    expect(updated.code, updated.stderr).toBe(0);
    const listed = await bodhi(['routers', 'list', '--json', ...db], env);
    expect(JSON.parse(listed.stdout)).toMatchObject([{ name: 'pg-router', strategy: 'weighted', targets: [{ api_model: 'pg-a', model: 'org/m:1@v2', weight: 1 }, { api_model: 'pg-b', model: 'm', weight: 3 }] }]);
    expect((await bodhi(['routers', 'list', ...db], env)).stdout).toContain('pg-a/org/m:1@v2 (w=1), pg-b/m (w=3)');
    // Nothing went to the SQLite file in the data dir.
    expect(JSON.parse((await bodhi(['routers', 'list', '--json'], env)).stdout)).toEqual([]);
    const clash = await bodhi(['routers', 'add', '--name', 'pg-a-model', '--target', 'api_model=pg-a,model=x', ...db], env);
    expect(clash.code).toBe(3);
    expect(clash.stderr).toContain("error: model 'pg-a-model' is already served by API model 'pg-a'");
    expect((await bodhi(['routers', 'remove', 'pg-router', ...db], env)).code).toBe(0);
    expect(JSON.parse((await bodhi(['routers', 'list', '--json', ...db], env)).stdout)).toEqual([]);
    for (const name of ['pg-a', 'pg-b']) expect((await bodhi(['api-models', 'remove', name, ...db], env)).code).toBe(0);
  }, 60_000);

  it('documents the flag in every command help', async () => {
    const commands = [
      ['serve'],
      ...['add', 'list', 'update', 'remove'].flatMap((sub) => [['api-models', sub], ['aliases', sub], ['routers', sub]]),
      ...['create', 'list', 'update', 'revoke'].map((sub) => ['tokens', sub]),
      ['usage'],
    ];
    const helps = await Promise.all(commands.map((cmd) => bodhi([...cmd, '--help'], env)));
    helps.forEach((help, i) => expect(help.stdout, commands[i]!.join(' ')).toContain('--database-url <url>'));
  });

  it('needs the shared BODHI_ENCRYPTION_KEY, and a PostgreSQL URL', async () => {
    const noKey = await bodhi(['tokens', 'list', '--database-url', pg.url], { ...env, BODHI_ENCRYPTION_KEY: '' });
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toContain('BODHI_DATABASE_URL needs BODHI_ENCRYPTION_KEY');
    const mysql = await bodhi(['tokens', 'list', '--database-url', 'mysql://db/x'], env);
    expect(mysql.code).toBe(1);
    expect(mysql.stderr).toContain('must be a postgres:// or postgresql:// URL');
  });

  it('reports an unreachable database without a stack trace or the password', async () => {
    const res = await bodhi(['tokens', 'list', '--database-url', 'postgres://bodhi:hunter2@127.0.0.1:1/bodhi'], env);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/^error: cannot connect to the database at postgres:\/\/bodhi:\*\*\*@127\.0\.0\.1:1\/bodhi: /);
    expect(res.stderr).not.toContain('hunter2');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });
});
