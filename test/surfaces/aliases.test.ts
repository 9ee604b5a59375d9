// /bodhi/v1/aliases over real HTTP: CRUD, the model file checked at creation (400 naming
// model_file), conflicts with API model ids both ways (409), and changes live in /v1 at once.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalTestGateway } from '../support/local.js';

type Json = Record<string, any>;

describe('management API: local aliases', () => {
  let gw: LocalTestGateway;
  let modelFile: string;
  beforeAll(async () => {
    gw = await startLocalGateway();
    modelFile = gw.model('tiny.gguf');
  });
  afterAll(() => gw?.close());

  const json = async (res: Response) => (await res.json()) as Json;
  const post = (body: unknown) => gw.call('/bodhi/v1/aliases', { method: 'POST', json: body });

  it('requires an admin token', async () => {
    expect((await gw.call('/bodhi/v1/aliases', { token: null })).status).toBe(401);
    expect((await gw.call('/bodhi/v1/aliases', { token: gw.userToken })).status).toBe(403);
  });

  it('creates, reads, updates and deletes a local alias', async () => {
    const created = await post({ name: 'llama3:tiny', model_file: modelFile, context_size: 1024, request_params: { temperature: 0.2, stop: '\n' } });
    expect(created.status).toBe(201);
    const body = await json(created);
    expect(body).toMatchObject({ name: 'llama3:tiny', kind: 'local', model_file: modelFile, context_size: 1024, request_params: { temperature: 0.2, stop: ['\n'] } });
    expect(body.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);

    expect((await json(await gw.call('/bodhi/v1/aliases'))).data.map((a: Json) => a.name)).toEqual(['llama3:tiny']);
    expect((await json(await gw.call(`/bodhi/v1/aliases/${body.id}`))).name).toBe('llama3:tiny');
    expect((await gw.call('/bodhi/v1/aliases/llama3:tiny')).status).toBe(200); // by name too

    const models = await json(await gw.call('/v1/models', { token: gw.userToken }));
    expect(models.data).toEqual([
      { id: 'llama3:tiny', object: 'model', created: Math.floor(Date.parse(body.created_at) / 1000), owned_by: 'local', bodhi: { kind: 'local', model_file: 'tiny.gguf', context_size: 1024 } },
    ]);

    const updated = await gw.call(`/bodhi/v1/aliases/${body.id}`, { method: 'PUT', json: { name: 'tiny2', model_file: modelFile } });
    expect(updated.status).toBe(200);
    expect(await json(updated)).toMatchObject({ id: body.id, name: 'tiny2', context_size: null, request_params: {} });
    expect((await json(await gw.call('/v1/models', { token: gw.userToken }))).data.map((m: Json) => m.id)).toEqual(['tiny2']);

    const del = await gw.call(`/bodhi/v1/aliases/${body.id}`, { method: 'DELETE' });
    expect(await json(del)).toEqual({ id: body.id, object: 'local_alias.deleted', deleted: true });
    expect((await gw.call(`/bodhi/v1/aliases/${body.id}`)).status).toBe(404);
    const gone = await gw.call('/v1/chat/completions', { method: 'POST', token: gw.userToken, json: { model: 'tiny2', messages: [] } });
    expect(gone.status).toBe(404);
  });

  it('checks the model file at creation: a clear 400 naming model_file', async () => {
    const dir = join(gw.dir, 'a-directory.gguf');
    mkdirSync(dir);
    const notGguf = gw.model('fake.gguf');
    writeFileSync(notGguf, 'not a model at all, just text\n'.repeat(10));
    const unreadable = gw.model('locked.gguf');
    chmodSync(unreadable, 0o000);
    const cases: [unknown, RegExp][] = [
      [join(gw.dir, 'missing.gguf'), /does not exist/],
      [dir, /is not a file/],
      [notGguf, /is not a usable GGUF model: not a GGUF file/],
      ['', /model_file is required/],
    ];
    // root reads anything; only check the permission case where permissions apply.
    if (process.getuid?.() !== 0) cases.push([unreadable, /is not readable/]);
    for (const [file, why] of cases) {
      const res = await post({ name: 'bad', model_file: file });
      expect(res.status, String(file)).toBe(400);
      const { error } = await json(res);
      expect(error).toMatchObject({ type: 'invalid_request_error', param: 'model_file' });
      expect(error.message).toMatch(why);
    }
    const missingField = await post({ name: 'bad' });
    expect(missingField.status).toBe(400);
    expect((await json(missingField)).error.param).toBe('model_file');
  });

  it('validates name, context_size and request_params', async () => {
    const cases: [Json, string, RegExp][] = [
      [{ name: 'has space', model_file: modelFile }, 'name', /name must be/],
      [{ name: 'x', model_file: modelFile, context_size: 8 }, 'context_size', /between 16/],
      [{ name: 'x', model_file: modelFile, request_params: { temperature: 9 } }, 'request_params', /request_params.temperature/],
      [{ name: 'x', model_file: modelFile, request_params: { top_q: 1 } }, 'request_params', /unknown key 'top_q'/],
    ];
    for (const [body, param, why] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      const { error } = await json(res);
      expect(error.param).toBe(param);
      expect(error.message).toMatch(why);
    }
  });

  it('shares the model-id namespace with API models: 409 both ways', async () => {
    await gw.addApiModel({ name: 'oai', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', models: ['gpt-4o'] });
    await gw.addApiModel({ name: 'fwd', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', prefix: 'fw-', forward_all: true });
    const clash = await post({ name: 'gpt-4o', model_file: modelFile });
    expect(clash.status).toBe(409);
    expect((await json(clash)).error).toMatchObject({ type: 'conflict_error', param: 'name', message: "Model 'gpt-4o' is already served by API model 'oai'." });
    const underPrefix = await post({ name: 'fw-local', model_file: modelFile });
    expect(underPrefix.status).toBe(409);
    expect((await json(underPrefix)).error.message).toContain("API model 'fwd'");

    expect((await post({ name: 'mine', model_file: modelFile })).status).toBe(201);
    expect((await post({ name: 'mine', model_file: modelFile })).status).toBe(409);
    const apiClash = await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { name: 'oai2', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', models: ['mine'] } });
    expect(apiClash.status).toBe(409);
    expect((await json(apiClash)).error).toMatchObject({ param: 'models', message: "Model 'mine' is already a local alias." });
    const prefixClash = await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { name: 'fwd2', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', prefix: 'mi', forward_all: true } });
    expect(prefixClash.status).toBe(409);
    expect((await json(prefixClash)).error).toMatchObject({ param: 'prefix', message: "Prefix 'mi' would also forward local alias 'mine'." });

    // Ids that differ only in case are one id twice, both ways.
    for (const [name, message] of [
      ['GPT-4o', "Model 'GPT-4o' differs only in case from 'gpt-4o', served by API model 'oai'."],
      ['MINE', "Model 'MINE' differs only in case from local alias 'mine'."],
      ['FW-local', "Model 'FW-local' falls under prefix 'fw-', which forwards all models to API model 'fwd'."],
    ]) {
      const res = await post({ name, model_file: modelFile });
      expect(res.status, name).toBe(409);
      expect((await json(res)).error).toMatchObject({ param: 'name', message });
    }
    const caseClash = await gw.call('/bodhi/v1/api-models', { method: 'POST', json: { name: 'oai3', api_format: 'openai', base_url: 'http://127.0.0.1:9/v1', models: ['Mine'] } });
    expect(caseClash.status).toBe(409);
    expect((await json(caseClash)).error).toMatchObject({ param: 'models', message: "Model 'Mine' differs only in case from local alias 'mine'." });
  });
});
