// The pipeline's resolve step on its own: the strict format rule, allow-lists and body checks,
// with the exact texts the product promises.
import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { planByModel } from '../../src/pipeline/plan.js';
import { bodyModel, resolveFor, resolveModelFor } from '../../src/pipeline/resolve.js';
import { ModelRegistry, toLive, type ResolvedApi } from '../../src/state/registry.js';
import type { AuthToken } from '../../src/state/token-cache.js';
import type { ApiFormat, ApiModelRecord } from '../../src/store/types.js';

const box = createSecretBox(Buffer.alloc(32, 7));
const record = (name: string, apiFormat: ApiFormat, models: string[], prefix: string | null = null, forwardAll = false): ApiModelRecord => ({
  id: `id-${name}`,
  name,
  apiFormat,
  baseUrl: 'http://upstream.test/v1',
  apiKeyEnc: box.encrypt('sk-x'),
  models,
  prefix,
  forwardAll,
  openaiOrganization: null,
  openaiProject: null,
  websocket: null,
  createdAt: 0,
  updatedAt: 0,
});

const registry = new ModelRegistry();
registry.replace(
  [record('chat', 'openai', ['gpt-chat']), record('resp', 'openai_responses', ['gpt-resp'], 'r/', true)].map((r) => toLive(r, box)),
  [{ id: 'l1', name: 'local-1', modelFile: '/m.gguf', contextSize: null, requestParams: {}, createdAt: 0, updatedAt: 0 }],
);
const token = (allowed?: string[]) => ({ id: 't', name: 't', scope: 'user', allowedModels: allowed ? new Set(allowed) : null }) as unknown as AuthToken;

const error = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return err as { status: number; message: string; code: string | null; param: string | null };
  }
  throw new Error('expected an error');
};

describe('resolve', () => {
  it('reads model from a JSON object body, naming what is wrong otherwise', () => {
    const raw = Buffer.from('{}');
    expect(bodyModel({ model: 'm' }, raw)).toBe('m');
    expect(error(() => bodyModel(undefined, undefined))).toMatchObject({ status: 400, code: 'missing_body' });
    expect(error(() => bodyModel([], raw))).toMatchObject({ status: 400, code: 'invalid_body', message: 'The request body must be a JSON object, not an array.' });
    expect(error(() => bodyModel({}, raw))).toMatchObject({ status: 400, code: 'missing_required_parameter', param: 'model' });
    expect(error(() => bodyModel({ model: 3 }, raw))).toMatchObject({ code: 'invalid_type' });
    expect(error(() => bodyModel({ model: '' }, raw))).toMatchObject({ code: 'invalid_value' });
  });

  it('applies the strict format rule with the spec texts', () => {
    expect((resolveFor(registry, 'responses', 'r/gpt-resp', null) as ResolvedApi).apiModel.name).toBe('resp');
    expect(error(() => resolveFor(registry, 'responses', 'gpt-chat', null)).message).toBe(
      "Model 'gpt-chat' is not configured for Responses API format. Configure an alias with 'openai_responses' format.",
    );
    expect(error(() => resolveModelFor(registry, 'chat', 'r/gpt-resp', null)).message).toBe(
      "Model is configured with 'openai_responses' format which does not support the chat completions endpoint. Use the responses API endpoint instead.",
    );
    expect(error(() => resolveFor(registry, 'responses', 'local-1', null)).status).toBe(400);
    expect(resolveModelFor(registry, 'chat', 'local-1', null).kind).toBe('local');
    expect(error(() => resolveModelFor(registry, 'chat', 'nope', null))).toMatchObject({ status: 404, code: 'model_not_found', message: "Model configuration 'nope' not found." });
  });

  it("checks the token's allow-list after the model is known", () => {
    expect(error(() => resolveModelFor(registry, 'chat', 'gpt-chat', token(['other'])))).toMatchObject({ status: 403, code: 'model_not_allowed' });
    expect(resolveModelFor(registry, 'chat', 'gpt-chat', token(['gpt-chat'])).kind).toBe('api');
  });

  it('plans one target whose body differs from the client bytes only in a prefixed model', () => {
    const raw = Buffer.from('{"model":"r/gpt-x","input":"hi"}');
    const [target] = planByModel(resolveFor(registry, 'responses', 'r/gpt-x', null) as ResolvedApi, raw);
    expect(target!.apiModel.name).toBe('resp');
    expect(target!.body!.toString()).toBe('{"model":"gpt-x","input":"hi"}');
    const plain = Buffer.from('{"model":"gpt-chat"}');
    const [same] = planByModel(resolveFor(registry, 'chat', 'gpt-chat', null) as ResolvedApi, plain);
    expect(same!.body).toBe(plain);
  });
});
