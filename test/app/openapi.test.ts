// The OpenAPI document: valid OpenAPI 3.1, every registered route in it (a new route without
// docs fails here), Swagger UI served over it, and its schemas true to the wire: real answers
// from the gateway (over the fake upstream) validate against them.
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { RouteOptions } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/app/app.js';
import { openApiUrl } from '../../src/app/docs.js';
import { createGateway } from '../../src/app/gateway.js';
import { createLogger } from '../../src/app/logger.js';
import { startE2E, type E2E } from '../e2e/setup.js';
import { tempHome } from '../support/gateway.js';
import { writeTinyGguf } from '../support/tiny-gguf.js';

type Json = Record<string, any>;

/** Routes that are deliberately not in the document: the docs and the UI themselves, and a guard. */
const UNDOCUMENTED = [
  /^\/$/,
  /^\/ui(\/|$)/,
  /^\/swagger-ui(\/|$)/,
  /^\/api-docs\/openapi\.json$/,
  /^\/v1\/responses\/\*$/, // rejects hostile ids and unknown sub-resources; never forwards
];

async function collectRoutes(): Promise<{ routes: RouteOptions[]; doc: Json; swaggerJson: Json; close: () => Promise<void> }> {
  const config = loadConfig({ home: tempHome(), host: '127.0.0.1', port: 0 }, {});
  const logger = createLogger('warn', new Writable({ write: (_c, _e, cb) => cb() }));
  const gw = await createGateway(config, logger);
  const routes: RouteOptions[] = [];
  const app = buildApp(gw, logger, { onRoute: (r) => void routes.push(r) });
  await app.ready();
  const doc = (await app.inject({ url: '/api-docs/openapi.json' })).json() as Json;
  const swaggerJson = (await app.inject({ url: '/swagger-ui/json' })).json() as Json;
  return {
    routes,
    doc,
    swaggerJson,
    close: async () => {
      await app.close();
      await gw.close();
    },
  };
}

describe('OpenAPI document', () => {
  let routes: RouteOptions[];
  let doc: Json;
  let swaggerJson: Json;
  let close: () => Promise<void>;
  beforeAll(async () => ({ routes, doc, swaggerJson, close } = await collectRoutes()));
  afterAll(() => close());

  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(swaggerJson).toEqual(doc);
  });

  it('documents every route that is not deliberately hidden, and hides only those', () => {
    const missing: string[] = [];
    const wronglyHidden: string[] = [];
    let documented = 0;
    for (const route of routes) {
      const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
      const url = route.url ?? '';
      const deliberate = UNDOCUMENTED.some((re) => re.test(url));
      const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
      if (deliberate) {
        if (!hidden && !url.startsWith('/swagger-ui') && !url.startsWith('/ui')) wronglyHidden.push(`${url} should say hide: true`);
        continue;
      }
      if (hidden) wronglyHidden.push(`${methods.join(',')} ${url}`);
      for (const method of methods) {
        const op = doc.paths[openApiUrl(url, route.schema)]?.[method.toLowerCase()];
        if (!op?.summary || !op.responses?.['200'] && !op.responses?.['201']) missing.push(`${method} ${url}`);
        else documented++;
      }
    }
    expect(missing).toEqual([]);
    expect(wronglyHidden).toEqual([]);
    expect(documented).toBeGreaterThanOrEqual(25);
  });

  it('names the Responses API schemas and declares the streaming variants', () => {
    for (const name of ['CreateResponse', 'Response', 'ResponseItemList', 'ResponseDeleted', 'ResponseStreamEvent', 'ErrorResponse', 'ApiModelInput', 'TokenCreated']) {
      expect(doc.components.schemas[name], name).toBeDefined();
    }
    const create = doc.paths['/v1/responses'].post;
    expect(create.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/CreateResponse' });
    expect(Object.keys(create.responses['200'].content)).toEqual(['application/json', 'text/event-stream']);
    expect(create.responses['200'].content['text/event-stream'].schema).toEqual({ $ref: '#/components/schemas/ResponseStreamEvent' });
    expect(doc.paths['/v1/chat/completions'].post.responses['200'].content['text/event-stream']).toBeDefined();
    expect(doc.paths['/v1/responses/{id}'].delete.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/ResponseDeleted');
    expect(doc.paths['/v1/responses/{id}/cancel'].post.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/Response');
    expect(doc.paths['/v1/responses/{id}/input_items'].get.parameters.map((p: Json) => p.name)).toEqual(
      expect.arrayContaining(['id', 'limit', 'order', 'after', 'include[]', 'model']),
    );
    expect(doc.paths['/v1/responses'].post.responses['404'].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorResponse');
  });

  it('documents ?model= on every /v1/responses/{id} route, cancel included', () => {
    const idRoutes: [string, string][] = [
      ['/v1/responses/{id}', 'get'],
      ['/v1/responses/{id}', 'delete'],
      ['/v1/responses/{id}/input_items', 'get'],
      ['/v1/responses/{id}/cancel', 'post'],
    ];
    for (const [path, method] of idRoutes) {
      const model = doc.paths[path][method].parameters.find((p: Json) => p.name === 'model');
      expect(model, `${method} ${path}`).toMatchObject({ in: 'query', schema: { type: 'string' } });
      expect(model.required ?? false, `${method} ${path}`).toBe(false);
      expect(model.description, `${method} ${path}`).toMatch(/routing/i);
    }
  });

  it('documents the stream events as a union discriminated by type, one schema per event type', () => {
    // The events OpenAI's API reference lists that any text, tool or reasoning stream can carry.
    const expected = [
      'response.created',
      'response.queued',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.output_text.annotation.added',
      'response.content_part.done',
      'response.output_item.done',
      'response.refusal.delta',
      'response.refusal.done',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.reasoning_summary_part.added',
      'response.reasoning_summary_part.done',
      'response.reasoning_summary_text.delta',
      'response.reasoning_summary_text.done',
      'response.reasoning_text.delta',
      'response.reasoning_text.done',
      'response.web_search_call.completed',
      'response.file_search_call.completed',
      'response.completed',
      'response.failed',
      'response.incomplete',
      'keepalive',
      'error',
    ];
    const schemas = doc.components.schemas as Record<string, Json>;
    const union = schemas.ResponseStreamEvent!;
    expect(union.anyOf).toBeUndefined();
    expect(union.properties).toBeUndefined(); // no catch-all object next to the union
    expect(union.discriminator.propertyName).toBe('type');
    const mapping = union.discriminator.mapping as Record<string, string>;
    const refs = (union.oneOf as Json[]).map((s) => s.$ref as string);
    expect(new Set(refs).size).toBe(refs.length); // one schema per event type
    expect(Object.keys(mapping)).toEqual(expect.arrayContaining(expected));
    expect(Object.keys(mapping).length).toBe(refs.length);
    expect([...Object.values(mapping)].sort()).toEqual([...refs].sort()); // the mapping covers every member and nothing else
    for (const [type, ref] of Object.entries(mapping)) {
      const name = ref.replace('#/components/schemas/', '');
      const member = schemas[name];
      expect(member, `${type} -> ${ref}`).toBeDefined();
      // `type` pins exactly this event type (@fastify/swagger writes a const as a one-value enum).
      const pinned = member!.properties.type.const !== undefined ? [member!.properties.type.const] : member!.properties.type.enum;
      expect(pinned, name).toEqual([type]);
      expect(member!.required, name).toEqual(expect.arrayContaining(['type', 'sequence_number']));
    }
    const named = (type: string) => schemas[mapping[type]!.replace('#/components/schemas/', '')]!;
    expect(named('response.output_text.delta').required).toEqual(expect.arrayContaining(['item_id', 'output_index', 'content_index', 'delta']));
    expect(named('response.function_call_arguments.done').required).toEqual(expect.arrayContaining(['item_id', 'output_index', 'arguments']));
    expect(named('response.completed').properties.response).toEqual({ $ref: '#/components/schemas/Response' });
    expect(named('response.output_item.added').properties.item).toEqual({ $ref: '#/components/schemas/OutputItem' });
    // Both streaming routes point at the union.
    expect(doc.paths['/v1/responses/{id}'].get.responses['200'].content['text/event-stream'].schema).toEqual({ $ref: '#/components/schemas/ResponseStreamEvent' });
  });

  it('declares bearer auth for everything but the probes', () => {
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/ping'].get.security).toEqual([]);
    expect(doc.paths['/health'].get.security).toEqual([]);
    expect(doc.paths['/v1/responses'].post.security).toBeUndefined(); // inherits the global one
  });

  it('documents the management schemas the routes validate with', async () => {
    const { apiModelInputSchema } = await import('../../src/surfaces/management/schemas.js');
    const documented = doc.components.schemas.ApiModelInput;
    expect(Object.keys(documented.properties)).toEqual(Object.keys(apiModelInputSchema.properties));
    expect(documented.required).toEqual([...apiModelInputSchema.required]);
    expect(doc.paths['/bodhi/v1/api-models'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/ApiModelInput');
  });

  it('has no example that looks like a real key', () => {
    const text = JSON.stringify(doc);
    expect(text).not.toMatch(/sk-(?!bodhiapp_`)[A-Za-z0-9_-]{12,}/);
    expect(text).not.toMatch(/sk-bodhiapp_[A-Za-z0-9_-]{8,}/);
  });
});

describe('Swagger UI', () => {
  let e2e: E2E;
  beforeAll(async () => (e2e = await startE2E()));
  afterAll(() => e2e.close());

  it('is served at /swagger-ui without a token, over the same document', async () => {
    const page = await e2e.gw.call('/swagger-ui/', { token: null });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('swagger-ui');
    const json = await e2e.gw.call('/swagger-ui/json', { token: null });
    expect(json.status).toBe(200);
    const doc = await e2e.gw.call('/api-docs/openapi.json', { token: null });
    expect(doc.status).toBe(200);
    expect(await doc.json()).toEqual(await json.json());
  });

  it('sets its strict CSP on /swagger-ui only', async () => {
    const { SWAGGER_UI_CSP } = await import('../../src/app/swagger-ui.js');
    for (const path of ['/swagger-ui', '/swagger-ui/', '/swagger-ui/static/swagger-initializer.js']) {
      const res = await e2e.gw.call(path, { token: null });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-security-policy'), path).toBe(SWAGGER_UI_CSP);
      await res.arrayBuffer();
    }
    expect(SWAGGER_UI_CSP).not.toMatch(/unsafe-inline|unsafe-eval|upgrade-insecure-requests|https:/);
    for (const path of ['/api-docs/openapi.json', '/ping', '/v1/models']) {
      const res = await e2e.gw.call(path);
      expect(res.headers.get('content-security-policy'), path).toBeNull();
      await res.arrayBuffer();
    }
  });

  it('carries the gateway name, not Fastify logo, and points Swagger UI at /api-docs/openapi.json', async () => {
    const page = await (await e2e.gw.call('/swagger-ui/', { token: null })).text();
    expect(page).toContain('<title>API reference · Bodhi Gateway</title>');
    expect(page).toContain('theme/favicon.svg');
    const init = await (await e2e.gw.call('/swagger-ui/static/swagger-initializer.js', { token: null })).text();
    const logo = /img\.src = 'data:image\/svg\+xml;base64,([^']+)'/.exec(init)?.[1];
    expect(Buffer.from(logo ?? '', 'base64').toString('utf8')).toContain('<title>Bodhi Gateway</title>');
    expect(init).toMatch(/function swaggerUiPlugin\(/);
    expect(init).toMatch(/["']\/api-docs\/openapi\.json["']/);
    // The plugin's source goes into the page as text: the script must still parse (the browser test runs it).
    new Function(init);
  });
});

describe('the documented schemas match what goes over the wire', () => {
  let e2e: E2E;
  let ajv: Ajv2020;
  let check: (name: string, value: unknown) => void;
  beforeAll(async () => {
    e2e = await startE2E();
    const doc = (await (await e2e.gw.call('/api-docs/openapi.json')).json()) as Json;
    // Compile the components as JSON Schema 2020-12 (OpenAPI 3.1's dialect).
    const text = JSON.stringify(doc.components.schemas).replaceAll('"#/components/schemas/', '"components#/$defs/');
    ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'components', $defs: JSON.parse(text) });
    check = (name, value) => {
      const validate = ajv.getSchema(`components#/$defs/${name}`)!;
      expect(validate(value), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    };
  });
  afterAll(() => e2e.close());

  it('every example validates against its own schema', () => {
    const doc = (ajv.getSchema('components')!.schema as Json).$defs as Json;
    let examples = 0;
    for (const [name, schema] of Object.entries(doc)) {
      for (const example of (schema as Json).examples ?? []) {
        check(name, example);
        examples++;
      }
    }
    expect(examples).toBeGreaterThanOrEqual(4);
  });

  it('Responses API answers and stream events', async () => {
    const { client, gw } = e2e;
    // The raw JSON the gateway sends (not the SDK's objects).
    const wire = async (path: string, init: { method?: string; json?: unknown } = {}) => {
      const res = await gw.call(path, { ...init, token: e2e.userToken });
      expect(res.status, path).toBe(200);
      return res.json();
    };
    const created = (await wire('/v1/responses', { method: 'POST', json: { model: 'res/gpt-5', input: 'Hello there', background: true } })) as Json;
    check('Response', created);
    check('ResponseItemList', await wire(`/v1/responses/${created.id}/input_items`));
    check('Response', await wire(`/v1/responses/${created.id}/cancel`, { method: 'POST' }));
    check('Response', await wire(`/v1/responses/${created.id}`));
    check('ResponseDeleted', await wire(`/v1/responses/${created.id}`, { method: 'DELETE' }));
    check('ResponseInputTokens', await wire('/v1/responses/input_tokens', { method: 'POST', json: { model: 'res/gpt-5', input: 'Hi' } }));
    check('ResponseCompaction', await wire('/v1/responses/compact', { method: 'POST', json: { model: 'res/gpt-5', input: 'Hi' } }));
    const done = (await wire('/v1/responses', { method: 'POST', json: { model: 'res/gpt-5', input: 'Hello' } })) as Json;
    expect(done.status).toBe('completed');
    check('Response', done);

    const stream = await client.responses.create({ model: 'res/gpt-5', input: 'Stream please', stream: true });
    let events = 0;
    const types = new Set<string>();
    for await (const event of stream) {
      check('ResponseStreamEvent', event);
      types.add(event.type);
      events++;
    }
    expect(events).toBeGreaterThan(5);
    expect(types).toContain('response.output_text.delta');
    // The union tells the events apart: a delta without its text, or an unknown type, fits no member.
    const union = ajv.getSchema('components#/$defs/ResponseStreamEvent')!;
    expect(union({ type: 'response.output_text.delta', sequence_number: 3, item_id: 'msg_1', output_index: 0, content_index: 0 })).toBe(false);
    expect(union({ type: 'response.made_up', sequence_number: 3 })).toBe(false);
    expect(union({ type: 'keepalive', sequence_number: 3 })).toBe(true);
    expect(union({ type: 'error', sequence_number: 3, error: { type: 'server_error', code: 'server_error', message: 'boom', param: null } })).toBe(true);
  });

  it('chat, embeddings, models and errors', async () => {
    const { client, gw } = e2e;
    const chat = await gw.call('/v1/chat/completions', { method: 'POST', token: e2e.userToken, json: { model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }] } });
    check('ChatCompletion', await chat.json());
    const chunks = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'Hi' }], stream: true, stream_options: { include_usage: true } });
    for await (const chunk of chunks) check('ChatCompletionChunk', chunk);
    const embeddings = await gw.call('/v1/embeddings', { method: 'POST', token: e2e.userToken, json: { model: 'text-embedding-3-small', input: ['Hi', 'there'] } });
    check('EmbeddingList', await embeddings.json());
    check('ModelList', await (await gw.call('/v1/models')).json());
    check('Model', await (await gw.call('/v1/models/res/gpt-5')).json());
    check('ErrorResponse', await (await gw.call('/v1/responses', { method: 'POST', json: { model: 'nope' } })).json());
    check('ErrorResponse', await (await gw.call('/v1/models', { token: null })).json());
    // With a local alias too: its entry has nulls where API models have a format and API model.
    const dir = mkdtempSync(join(tmpdir(), 'bodhi-openapi-'));
    try {
      const alias = await gw.call('/bodhi/v1/aliases', { method: 'POST', json: { name: 'tiny-local', model_file: writeTinyGguf(join(dir, 'tiny.gguf')) } });
      expect(alias.status).toBe(201);
      const callable = (await (await gw.call('/bodhi/v1/models')).json()) as Json;
      expect(callable.data.map((m: Json) => m.kind)).toContain('local');
      check('CallableModelList', callable);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    check('ApiModelList', await (await gw.call('/bodhi/v1/api-models')).json());
    check('TokenList', await (await gw.call('/bodhi/v1/tokens')).json());
    check('Info', await (await gw.call('/bodhi/v1/info')).json());
  });

  it('the /v1 schemas never reject or change what is forwarded', async () => {
    // Contradicts the documented types on purpose: the upstream decides, the gateway forwards.
    const body = '{"model":"res/gpt-5","input":5,"temperature":"hot","stream":"maybe","x-extra":{"a":[1,2]}}';
    const res = await e2e.gw.call('/v1/responses', { method: 'POST', token: e2e.userToken, headers: { 'content-type': 'application/json' }, body });
    await res.arrayBuffer();
    const seen = e2e.responsesUpstream.requests.at(-1)!;
    expect(seen.url).toBe('/v1/responses');
    expect(seen.body.toString('utf8')).toBe(body.replace('"res/gpt-5"', '"gpt-5"'));
  });
});
