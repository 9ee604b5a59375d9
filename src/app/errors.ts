// Every error the gateway produces leaves in the OpenAI envelope, whichever layer raised it.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GATEWAY_ERROR_HEADERS, GatewayError, badRequest, errorHeaders, internalError, unknownUrl } from '../errors/catalogue.js';

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

const byStatus: Record<number, (err: FastifyError, bodyLimit: number | undefined) => GatewayError> = {
  413: (_err, bodyLimit) =>
    new GatewayError(413, 'invalid_request_error', `Request body is too large: the limit is ${bodyLimit ?? 'a fixed number of'} bytes.`, null, 'request_too_large'),
  415: () => new GatewayError(415, 'invalid_request_error', "Unsupported content type: send the body as JSON with 'Content-Type: application/json'.", null, 'unsupported_media_type'),
  408: () => new GatewayError(408, 'invalid_request_error', 'The request body was not received in time.', null, 'request_timeout'),
};

export function toGatewayError(err: unknown, bodyLimit?: number): GatewayError | undefined {
  if (err instanceof GatewayError) return err;
  const fe = err as FastifyError;
  if (fe?.validation) return validationError(fe);
  const status = fe?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const mapped = byStatus[status];
    if (mapped) return mapped(fe, bodyLimit);
    return new GatewayError(status, 'invalid_request_error', fe.message, null, fe.code ?? null);
  }
  return undefined;
}

export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err, request, reply) => {
    const known = toGatewayError(err, request.routeOptions.bodyLimit);
    const error = known ?? internalError();
    if (!known) request.log.error({ err }, 'unhandled error');
    if (reply.sent || reply.raw.headersSent) {
      reply.raw.destroy();
      return;
    }
    void reply.code(error.status).headers(errorHeaders(error)).type('application/json').send(error.toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    const error = unknownUrl(request.method, request.url);
    void reply.code(404).headers(GATEWAY_ERROR_HEADERS).type('application/json').send(error.toBody());
  });
}

/**
 * Fastify `frameworkErrors`: URLs its router refuses before any route runs (malformed percent
 * escapes, a path parameter longer than maxParamLength) get the envelope too.
 */
export function frameworkErrorHandler(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const error =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new GatewayError(414, 'invalid_request_error', 'A path segment of the request URL is too long.', null, 'uri_too_long')
      : err.code === 'FST_ERR_BAD_URL'
        ? badRequest('The request URL is malformed (invalid percent-encoding).', null, 'invalid_url')
        : internalError();
  void reply.code(error.status).headers(GATEWAY_ERROR_HEADERS).type('application/json').send(error.toBody());
}
