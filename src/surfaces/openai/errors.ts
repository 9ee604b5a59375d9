// The OpenAI error envelope, the one way a GatewayError reaches a client of /v1 or /bodhi/v1
// (the management API speaks the same envelope). The official SDKs map it to their usual
// APIError subclasses. renderError needs no HTTP framework, so the pipeline can take it as a
// plain function; sendError and writeError put it on a Fastify reply or a raw response.
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';
import { GATEWAY_ERROR_HEADERS, type GatewayError } from '../../errors/catalogue.js';
import type { ErrorRenderer } from '../http-client.js';

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export type { ErrorRenderer } from '../http-client.js';

export const errorBody = (err: GatewayError): ErrorBody => ({ error: { message: err.message, type: err.type, param: err.param, code: err.code } });

/** Status, headers (the error's own, the gateway marker, content type and length) and body. */
export const renderError: ErrorRenderer = (err) => {
  const body = JSON.stringify(errorBody(err));
  const headers = { ...err.headers, ...GATEWAY_ERROR_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) };
  return { status: err.status, headers, body };
};

/** The error as a chat-stream event, for a failure after a 200 stream has begun. */
export const errorEvent = (err: GatewayError): string => `data: ${JSON.stringify(errorBody(err))}\n\n`;

export function sendError(reply: FastifyReply, err: GatewayError): FastifyReply {
  reply.request.gatewayError = { code: err.code, message: err.message };
  const { status, headers, body } = renderError(err);
  return reply.code(status).headers(headers).send(body);
}

export function writeError(res: ServerResponse, err: GatewayError): void {
  const { status, headers, body } = renderError(err);
  res.writeHead(status, headers).end(body);
}
