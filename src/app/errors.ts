// Every error the gateway produces leaves in the OpenAI envelope, whichever layer raised it.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, badRequest, internalError, unknownUrl } from '../errors/catalogue.js';
import { toGatewayError, useErrorRenderer } from '../surfaces/http-errors.js';
import { renderError, sendError } from '../surfaces/openai/errors.js';

export { toGatewayError };

export function registerErrorHandling(app: FastifyInstance): void {
  // The OpenAI envelope is the default; the Anthropic and Gemini surfaces set their own.
  useErrorRenderer(app, renderError);

  app.setNotFoundHandler((request, reply) => void sendError(reply, unknownUrl(request.method, request.url)));
}

/**
 * Fastify `frameworkErrors`: URLs its router refuses before any route runs (malformed percent
 * escapes, a path parameter longer than maxParamLength) get the envelope too.
 */
export function frameworkErrorHandler(err: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const error =
    err.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? new GatewayError('uri_too_long', 'A path segment of the request URL is too long.')
      : err.code === 'FST_ERR_BAD_URL'
        ? badRequest('The request URL is malformed (invalid percent-encoding).', null, 'invalid_url')
        : internalError();
  void sendError(reply, error);
}
