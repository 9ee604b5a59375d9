// Errors the HTTP framework raises (schema validation, body limit, content type) as catalogue
// errors, so they leave in the same envelope as the gateway's own.
import type { FastifyError, FastifyInstance } from 'fastify';
import { GatewayError, badRequest, internalError } from '../errors/catalogue.js';
import type { ErrorRenderer } from './http-client.js';

interface ValidationIssue {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: { missingProperty?: string; additionalProperty?: string };
}

/** Names the field a JSON-schema failure is about, e.g. `base_url` or `models`. */
function validationError(err: FastifyError): GatewayError {
  const issue = (err.validation?.[0] ?? {}) as ValidationIssue;
  const path = (issue.instancePath ?? '').replace(/^\//, '').split('/')[0] || null;
  const field = issue.params?.missingProperty ?? issue.params?.additionalProperty ?? path;
  let message: string;
  if (issue.keyword === 'required') message = `Missing required parameter: '${field}'.`;
  else if (issue.keyword === 'additionalProperties') message = `Unrecognized request argument supplied: ${field}.`;
  else message = field ? `Invalid '${field}': ${issue.message ?? 'invalid value'}.` : `Invalid request: ${err.message}`;
  return badRequest(message, field, issue.keyword === 'required' ? 'missing_required_parameter' : 'invalid_value');
}

const byStatus: Record<number, (bodyLimit: number | undefined) => GatewayError> = {
  413: (bodyLimit) => new GatewayError('request_too_large', `Request body is too large: the limit is ${bodyLimit ?? 'a fixed number of'} bytes.`),
  415: () => new GatewayError('unsupported_media_type', "Unsupported content type: send the body as JSON with 'Content-Type: application/json'."),
  408: () => new GatewayError('request_timeout', 'The request body was not received in time.'),
};

/** The client's error in catalogue terms; undefined for anything that is not (a 5xx, a bug). */
export function toGatewayError(err: unknown, bodyLimit?: number): GatewayError | undefined {
  if (err instanceof GatewayError) return err;
  const fe = err as FastifyError;
  if (fe?.validation) return validationError(fe);
  const status = fe?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return byStatus[status]?.(bodyLimit) ?? GatewayError.fromHttp(status, fe.message, fe.code ?? null);
  }
  return undefined;
}

/**
 * Every error raised in a surface's scope (auth hook, body parsing, validation, route) leaves
 * in that surface's envelope; anything unknown is a 500 that names only the request id.
 */
export function useErrorRenderer(scope: FastifyInstance, render: ErrorRenderer): void {
  scope.setErrorHandler((err, request, reply) => {
    const known = toGatewayError(err, request.routeOptions.bodyLimit);
    if (!known) request.log.error({ err }, 'unhandled error');
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    const error = known ?? internalError();
    request.gatewayError = { code: error.code, message: error.message };
    const { status, headers, body } = render(error);
    void reply.code(status).headers(headers).send(body);
  });
}
