// Which OpenAI organization and project are billed is the operator's choice: a client's
// OpenAI-Organization / OpenAI-Project never reach the upstream, and an API model's own do, on
// /v1 calls of both formats and on the admin's upstream checks.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodhi } from '../support/cli.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, tempHome, type TestGateway } from '../support/gateway.js';

type Json = Record<string, any>;
const CLIENT = { 'OpenAI-Organization': 'org-client-picked', 'OpenAI-Project': 'proj_client_picked' };

describe('OpenAI-Organization and OpenAI-Project', () => {
  let up: FakeUpstream;
  let gw: TestGateway;
  let user: string;
  beforeAll(async () => {
    up = await startFakeUpstream({ eventDelayMs: 1 });
    gw = await startTestGateway();
    const base = { base_url: up.url, api_key: up.apiKey };
    await gw.addApiModel({ ...base, name: 'plain', api_format: 'openai', models: ['gpt-4o'] });
    await gw.addApiModel({ ...base, name: 'billed-chat', api_format: 'openai', models: ['gpt-4.1'], openai_organization: 'org-operator' });
    await gw.addApiModel({ ...base, name: 'billed-res', api_format: 'openai_responses', models: ['gpt-5'], openai_organization: 'org-operator', openai_project: 'proj_operator' });
    user = await gw.createToken('app');
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  const chat = (model: string) =>
    gw.call('/v1/chat/completions', { method: 'POST', token: user, headers: CLIENT, json: { model, messages: [{ role: 'user', content: 'hi' }] } });
  const seen = () => {
    const { headers } = up.requests.at(-1)!;
    return { org: headers['openai-organization'], project: headers['openai-project'] };
  };

  it("drops the client's headers when the API model sets none", async () => {
    expect((await chat('gpt-4o')).status).toBe(200);
    expect(seen()).toEqual({ org: undefined, project: undefined });
  });

  it("sends the API model's own, never the client's, for both formats", async () => {
    expect((await chat('gpt-4.1')).status).toBe(200);
    expect(seen()).toEqual({ org: 'org-operator', project: undefined });
    const res = await gw.call('/v1/responses', { method: 'POST', token: user, headers: CLIENT, json: { model: 'gpt-5', input: 'hi', stream: true } });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(seen()).toEqual({ org: 'org-operator', project: 'proj_operator' });
    expect(up.requests.at(-1)!.rawHeaders.filter((h) => /^openai-(organization|project)$/i.test(h))).toHaveLength(2);
  });

  it('are stored, shown, changed and cleared through the management API, and checked', async () => {
    const list = (await (await gw.call('/bodhi/v1/api-models')).json()) as Json;
    const billed = list.data.find((m: Json) => m.name === 'billed-res');
    expect(billed).toMatchObject({ openai_organization: 'org-operator', openai_project: 'proj_operator' });
    const put = (json: Json) => gw.call(`/bodhi/v1/api-models/${billed.id}`, { method: 'PUT', json: { name: 'billed-res', api_format: 'openai_responses', base_url: up.url, models: ['gpt-5'], ...json } });
    // Omitted keeps them; a value replaces; null clears.
    expect(await (await put({})).json()).toMatchObject({ openai_organization: 'org-operator', openai_project: 'proj_operator' });
    expect(await (await put({ openai_project: 'proj_new', openai_organization: null })).json()).toMatchObject({ openai_organization: null, openai_project: 'proj_new' });
    const bad = await put({ openai_organization: 'org\r\nx-evil: 1' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Json).error.param).toBe('openai_organization');
    expect((await gw.call('/v1/responses', { method: 'POST', token: user, headers: CLIENT, json: { model: 'gpt-5', input: 'hi' } })).status).toBe(200);
    expect(seen()).toEqual({ org: undefined, project: 'proj_new' });
    await put({ openai_organization: 'org-operator', openai_project: 'proj_operator' });
  });

  it("sends a stored model's own on fetch-models and test, or the ones typed", async () => {
    const check = (path: string, json: Json) => gw.call(`/bodhi/v1/api-models/${path}`, { method: 'POST', json: { base_url: up.url, ...json } });
    expect((await check('fetch-models', { api_model_id: 'billed-res' })).status).toBe(200);
    expect(seen()).toEqual({ org: 'org-operator', project: 'proj_operator' });
    expect((await check('test', { api_format: 'openai_responses', api_model_id: 'billed-res', model: 'gpt-5' })).status).toBe(200);
    expect(seen()).toEqual({ org: 'org-operator', project: 'proj_operator' });
    expect((await check('fetch-models', { api_key: up.apiKey, openai_organization: 'org-typed' })).status).toBe(200);
    expect(seen()).toEqual({ org: 'org-typed', project: undefined });
    expect((await check('fetch-models', { api_model_id: 'billed-res', openai_project: null })).status).toBe(200);
    expect(seen()).toEqual({ org: 'org-operator', project: undefined });
  });
});

describe('bodhi api-models add --openai-organization --openai-project', () => {
  const home = tempHome('bodhi-cli-org-');
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it('stores them and prints them; a bad one exits 1 naming the field', async () => {
    const args = ['api-models', 'add', '--format', 'openai', '--base-url', 'http://127.0.0.1:9/v1', '--models'];
    const r = await bodhi([...args, 'gpt-4o', '--name', 'billed', '--openai-organization', 'org-cli', '--openai-project', 'proj_cli'], { BODHI_HOME: home });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ openai_organization: 'org-cli', openai_project: 'proj_cli' });
    const bad = await bodhi([...args, 'gpt-4.1', '--name', 'bad', '--openai-project', 'has space'], { BODHI_HOME: home });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: openai_project must be /);
    expect(bad.stderr).not.toContain('(openai_project)'); // named once
  });
});
