// The connection probe of each api_format, without a server: the requests it builds (paths,
// bodies, the key's headers from the function it is given) and how it reads answers.
import { describe, expect, it } from 'vitest';
import { PROVIDERS } from '../../src/providers/index.js';
import { openaiProbe } from '../../src/providers/openai/probe.js';
import { openaiResponsesProbe } from '../../src/providers/openai_responses/probe.js';
import type { AuthHeaders } from '../../src/providers/probes.js';

/** Each format's probe with the headers a provider gives it (its own, or another scheme). */
const FACTORIES = { openai: openaiProbe, openai_responses: openaiResponsesProbe };
const probeFor = (format: keyof typeof FACTORIES, auth?: AuthHeaders) => (auth ? FACTORIES[format](auth) : PROVIDERS[format].probe);

/** The formats that speak OpenAI's listing and errors (the others have their own tests). */
const OPENAI_FORMATS = ['openai', 'openai_responses'] as const;

const bodyOf = (text: string | undefined) => JSON.parse(text ?? 'null') as Record<string, unknown>;
const customAuth: AuthHeaders = (key) => ({ 'x-api-key': key, 'anthropic-version': '1' });

describe('every format', () => {
  for (const format of OPENAI_FORMATS) {
    describe(format, () => {
      const probe = probeFor(format);

      it('lists models with GET /models, the key as a Bearer token', () => {
        expect(probe.listModels('sk-1')).toEqual({ method: 'GET', path: '/models', headers: { authorization: 'Bearer sk-1' }, what: 'GET /models' });
        expect(probe.listModels(null)).toEqual({ method: 'GET', path: '/models', headers: {}, what: 'GET /models' });
      });

      it('tests a connection without a model by listing the models', () => {
        expect(probe.testConnection('sk-1')).toEqual(probe.listModels('sk-1'));
      });

      it('sends the key in the headers it is given, and none without a key', () => {
        const custom = probeFor(format, customAuth);
        expect(custom.listModels('sk-2').headers).toEqual({ 'x-api-key': 'sk-2', 'anthropic-version': '1' });
        expect(custom.testConnection('sk-2', 'm').headers).toEqual({ 'x-api-key': 'sk-2', 'anthropic-version': '1', 'content-type': 'application/json' });
        expect(custom.testConnection(null, 'm').headers).toEqual({ 'content-type': 'application/json' });
      });

      it('reads an OpenAI model list: ids, unique and sorted', () => {
        expect(probe.readModels(JSON.stringify({ object: 'list', data: [{ id: 'b' }, { id: 'a' }, { id: 'b' }, { id: '' }, { name: 'x' }] }))).toEqual(['a', 'b']);
        expect(probe.readModels(JSON.stringify(['z', { id: 'y' }]))).toEqual(['y', 'z']);
        expect(probe.readModels(JSON.stringify({ data: [] }))).toEqual([]);
        expect(probe.readModels('not json')).toBeUndefined();
        expect(probe.readModels(JSON.stringify({ models: [] }))).toBeUndefined();
      });

      it("reads the upstream's error message", () => {
        expect(probe.readError(401, JSON.stringify({ error: { message: 'Incorrect API key provided: sk-***.', type: 'invalid_request_error' } }))).toBe('Incorrect API key provided: sk-***.');
        expect(probe.readError(400, JSON.stringify({ error: 'bad thing' }))).toBe('bad thing');
        expect(probe.readError(404, JSON.stringify({ message: 'no route' }))).toBe('no route');
        expect(probe.readError(502, '  <html>Bad gateway</html>\n')).toBe('<html>Bad gateway</html>');
        expect(probe.readError(500, 'x'.repeat(600))).toBe('x'.repeat(500));
        expect(probe.readError(503, '')).toBe('HTTP 503');
        expect(probe.readError(503, JSON.stringify({ error: { code: 'x' } }))).toBe('{"error":{"code":"x"}}');
      });
    });
  }

  it('both OpenAI formats list models the same way (fetch-models without a format uses openai)', () => {
    for (const format of OPENAI_FORMATS) expect(probeFor(format).listModels('k')).toEqual(probeFor('openai').listModels('k'));
  });
});

describe('openai: a model is tested with a one-message chat completion', () => {
  it('POSTs /chat/completions with the model and the test prompt', () => {
    const req = probeFor('openai').testConnection('sk-1', 'gpt-4.1');
    expect(req).toMatchObject({ method: 'POST', path: '/chat/completions', what: 'POST /chat/completions', headers: { authorization: 'Bearer sk-1', 'content-type': 'application/json' } });
    expect(bodyOf(req.body)).toEqual({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'Reply with the single word OK.' }] });
  });
});

describe('openai_responses: a model is tested with a response that is not stored', () => {
  it('POSTs /responses with the model, the test prompt and store: false', () => {
    const req = probeFor('openai_responses').testConnection('sk-1', 'gpt-5');
    expect(req).toMatchObject({ method: 'POST', path: '/responses', what: 'POST /responses', headers: { authorization: 'Bearer sk-1', 'content-type': 'application/json' } });
    expect(bodyOf(req.body)).toEqual({ model: 'gpt-5', input: 'Reply with the single word OK.', store: false });
  });
});
