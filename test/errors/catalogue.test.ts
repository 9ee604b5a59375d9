// The error catalogue and the OpenAI renderer, without an HTTP server.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CATALOGUE,
  GatewayError,
  badRequest,
  conflict,
  forbidden,
  internalError,
  notFound,
  unauthorized,
  unknownUrl,
  upstreamError,
  type ErrorCode,
} from '../../src/errors/catalogue.js';
import { errorBody, errorEvent, renderError } from '../../src/surfaces/openai/errors.js';

const codes = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

describe('error catalogue', () => {
  it('gives every code an error status and an OpenAI type', () => {
    for (const code of codes) {
      const { status, type } = ERROR_CATALOGUE[code];
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(type, code).toMatch(/^[a-z_]+$/);
    }
  });

  // The helpers and the code-first constructor only take catalogue codes (the compiler checks);
  // these call sites still use the positional form, so their status and type are checked here.
  it.each<[ErrorCode, number, string, string]>([
    ['model_not_found', 404, 'invalid_request_error', 'src/surfaces/openai/models.ts'],
    ['response_not_found', 404, 'invalid_request_error', 'src/surfaces/openai/responses.ts'],
    ['api_model_gone', 404, 'not_found_error', 'src/surfaces/openai/responses.ts'],
    ['database_unavailable', 503, 'service_unavailable', 'src/state/response-routes.ts'],
  ])('has %s as %i %s (%s)', (code, status, type, _where) => {
    expect(ERROR_CATALOGUE[code]).toMatchObject({ status, type });
  });

  it('builds an error from a code: status and type from the catalogue, the code on the wire', () => {
    const err = new GatewayError('local_queue_full', 'busy', { param: 'model', headers: { 'retry-after': '1' } });
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({ name: 'GatewayError', status: 429, type: 'rate_limit_error', code: 'local_queue_full', param: 'model', message: 'busy' });
    expect(err.headers).toEqual({ 'retry-after': '1' });
    expect(new GatewayError('internal_error', 'x')).toMatchObject({ param: null, headers: {} });
  });

  it('sends a null code for the entries OpenAI sends none for', () => {
    expect(badRequest('Expected a JSON object.')).toMatchObject({ status: 400, type: 'invalid_request_error', code: null, param: null });
    expect(new GatewayError('response_not_found', "Response with id 'r' not found.")).toMatchObject({ status: 404, type: 'invalid_request_error', code: null });
  });

  it('types model_not_found as OpenAI does: invalid_request_error, 404', () => {
    expect(notFound("Model configuration 'x' not found.", 'model', 'model_not_found')).toMatchObject({ status: 404, type: 'invalid_request_error', code: 'model_not_found' });
  });

  it('keeps the helpers', () => {
    expect(badRequest('m', 'p', 'invalid_value')).toMatchObject({ status: 400, param: 'p', code: 'invalid_value' });
    expect(unauthorized('m', 'token_expired')).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(forbidden('m', 'model_not_allowed')).toMatchObject({ status: 403, type: 'permission_error' });
    expect(notFound('m', 'id', 'token_not_found')).toMatchObject({ status: 404, type: 'not_found_error', param: 'id' });
    expect(conflict('m', 'name')).toMatchObject({ status: 409, type: 'conflict_error', code: 'conflict', param: 'name' });
    expect(upstreamError('m', 'upstream_timeout')).toMatchObject({ status: 504, type: 'upstream_error' });
    expect(upstreamError('m', 'upstream_unavailable')).toMatchObject({ status: 502 });
    expect(internalError()).toMatchObject({ status: 500, type: 'server_error', code: 'internal_error' });
    expect(unknownUrl('GET', '/nope?token=secret')).toMatchObject({ status: 404, code: 'unknown_url', message: 'Unknown request URL: GET /nope.' });
  });

  it('keeps HTTP-stack errors with their own status and code', () => {
    expect(GatewayError.fromHttp(400, 'bad length', 'FST_ERR_CTP_INVALID_CONTENT_LENGTH')).toMatchObject({ status: 400, type: 'invalid_request_error', code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH' });
  });

  it('imports nothing: it is the bottom layer', () => {
    for (const file of readdirSync('src/errors')) {
      const imports = [...readFileSync(join('src/errors', file), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      expect(imports.filter((path) => !path.startsWith('./')), file).toEqual([]);
    }
  });
});

describe('OpenAI error renderer', () => {
  const limited = new GatewayError('rate_limit_exceeded', 'Slow down.', { headers: { 'retry-after': '3' } });

  it('renders status, headers and the four-key envelope', () => {
    const { status, headers, body } = renderError(limited);
    expect(status).toBe(429);
    expect(JSON.parse(body)).toEqual({ error: { message: 'Slow down.', type: 'rate_limit_error', param: null, code: 'rate_limit_exceeded' } });
    expect(headers).toEqual({ 'retry-after': '3', 'x-bodhi-error': 'gateway', 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
  });

  it('counts content-length in bytes', () => {
    const { headers, body } = renderError(badRequest('Invalid ‘input’: 💥'));
    expect(Number(headers['content-length'])).toBe(Buffer.from(body).length);
    expect(body.length).toBeLessThan(Buffer.from(body).length);
  });

  it('never lets an error header override the gateway marker', () => {
    const sneaky = new GatewayError('invalid_value', 'x', { headers: { 'x-bodhi-error': 'upstream' } });
    expect(renderError(sneaky).headers['x-bodhi-error']).toBe('gateway');
  });

  it('renders a stream error event with the same envelope', () => {
    expect(errorEvent(limited)).toBe(`data: ${JSON.stringify(errorBody(limited))}\n\n`);
  });
});
