// `bodhi aliases add|list|remove` through the real binary, and a running server picking the
// change up within a second (then serving the alias with llama.cpp).
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodhi } from '../support/cli.js';
import { tempHome } from '../support/gateway.js';
import { startLocalGateway, type LocalTestGateway } from '../support/local.js';
import { writeTinyGguf } from '../support/tiny-gguf.js';

describe('bodhi aliases', () => {
  let home: string;
  let modelFile: string;
  const run = (...args: string[]) => bodhi(args, { BODHI_HOME: home });

  beforeAll(() => {
    home = tempHome('bodhi-cli-aliases-');
    modelFile = writeTinyGguf(join(home, 'tiny.gguf'));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('has --help with every flag', async () => {
    const group = await run('aliases', '--help');
    expect(group.code).toBe(0);
    for (const sub of ['add', 'list', 'remove']) expect(group.stdout).toContain(sub);
    const add = await run('aliases', 'add', '--help');
    for (const flag of ['--name', '--model-file', '--context-size', '--request-params']) expect(add.stdout).toContain(flag);
  });

  it('adds an alias, prints it as JSON, lists it as a table and as JSON, and removes it', async () => {
    const r = await run('aliases', 'add', '--name', 'tiny', '--model-file', modelFile, '--context-size', '512', '--request-params', '{"temperature":0.5,"max_tokens":64}');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'tiny', kind: 'local', model_file: modelFile, context_size: 512, request_params: { temperature: 0.5, max_tokens: 64 } });

    const table = await run('aliases', 'list');
    expect(table.stdout).toMatch(/NAME\s+MODEL_FILE\s+CONTEXT_SIZE\s+REQUEST_PARAMS/);
    expect(table.stdout).toContain('tiny');
    expect(table.stdout).toContain('{"temperature":0.5,"max_tokens":64}');
    const json = JSON.parse((await run('aliases', 'list', '--json')).stdout);
    expect(json.map((a: { name: string }) => a.name)).toEqual(['tiny']);

    expect((await run('aliases', 'remove', 'tiny')).stdout).toBe("removed local alias 'tiny'\n");
    expect((await run('aliases', 'list')).stdout).toBe('(none)\n');
  });

  it('refuses bad input with a clear message and a failing exit code', async () => {
    // The service's rules are covered through the API (test/surfaces/aliases.test.ts); here: the
    // flags, and that errors reach the terminal without a stack trace and with the exit codes.
    const notGguf = join(home, 'notes.txt');
    writeFileSync(notGguf, 'hello\n'.repeat(20));
    expect((await run('aliases', 'add', '--name', 'taken', '--model-file', modelFile)).code).toBe(0);
    const cases: [string[], RegExp, number?][] = [
      [['aliases', 'add', '--name', 'x'], /--model-file/],
      [['aliases', 'add', '--name', 'x', '--model-file', notGguf], /^error: model_file '.*notes.txt' is not a usable GGUF model: not a GGUF file/, 1],
      [['aliases', 'add', '--name', 'x', '--model-file', modelFile, '--request-params', '{bad'], /must be valid JSON/],
      [['aliases', 'add', '--name', 'x', '--model-file', modelFile, '--context-size', 'lots'], /positive integer/],
      [['aliases', 'add', '--name', 'taken', '--model-file', modelFile], /already exists/, 3],
      [['aliases', 'remove', 'no-such'], /not found/, 4],
    ];
    for (const [args, message, code] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(' ')).not.toBe(0);
      if (code) expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr, args.join(' ')).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});

describe('an alias added with the CLI reaches a running server within a second', () => {
  let gw: LocalTestGateway;
  beforeAll(async () => {
    gw = await startLocalGateway();
  });
  afterAll(() => gw?.close());

  it('is listed and answers chat completions', async () => {
    const started = Date.now();
    const r = await bodhi(['aliases', 'add', '--name', 'cli-tiny', '--model-file', gw.model('cli.gguf')], { BODHI_HOME: gw.home });
    expect(r.code, r.stderr).toBe(0);
    const added = Date.now();
    for (;;) {
      const ids = (await gw.client.models.list()).data.map((m) => m.id);
      if (ids.includes('cli-tiny')) break;
      expect(Date.now() - added, 'seen within 1 s').toBeLessThan(1000);
      await new Promise((res) => setTimeout(res, 25));
    }
    const res = await gw.client.chat.completions.create({ model: 'cli-tiny', messages: [{ role: 'user', content: 'hi' }], max_tokens: 4 });
    expect(res.usage!.completion_tokens).toBe(4);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
