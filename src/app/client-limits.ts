// How long a client may take to send its request, and what it hears when it is too slow or
// sends something that is not HTTP. Node's HTTP server enforces both timeouts, with two
// pitfalls handled here: it applies `requestTimeout` only when `headersTimeout` is not larger
// (Node's default headersTimeout is 60 s, so any shorter request timeout silently did
// nothing), and it checks for expired requests only every `connectionsCheckingInterval`
// (default 30 s, far coarser than the timeouts themselves). Responses are not timed: once a
// request is in, a long stream or a slow reasoning model is never cut.
import { STATUS_CODES, type IncomingMessage, type ServerOptions, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { GatewayError } from '../errors/catalogue.js';
import { renderError } from '../surfaces/openai/errors.js';

export function clientTimeouts(config: Pick<Config, 'headersTimeoutMs' | 'requestTimeoutMs'>): Pick<ServerOptions, 'headersTimeout' | 'requestTimeout' | 'connectionsCheckingInterval'> {
  const request = config.requestTimeoutMs;
  const headers = request > 0 ? Math.min(config.headersTimeoutMs || request, request) : config.headersTimeoutMs;
  const shortest = Math.min(...[headers, request].filter((t) => t > 0));
  // Check often enough that a timeout fires close to its deadline, at most once a second.
  const interval = Number.isFinite(shortest) ? Math.max(25, Math.min(1_000, Math.floor(shortest / 4))) : 30_000;
  return { headersTimeout: headers, requestTimeout: request, connectionsCheckingInterval: interval };
}

function clientError(code: string | undefined): GatewayError {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return new GatewayError('request_timeout', 'The request was not received in time; the connection is closed.');
  if (code === 'HPE_HEADER_OVERFLOW') return new GatewayError('headers_too_large', 'The request headers are too large.');
  return new GatewayError('malformed_request', 'Malformed HTTP request.');
}

/**
 * Fastify `clientErrorHandler`: errors Node raises before a request reaches a route (timeouts,
 * unparsable HTTP) get the OpenAI envelope like every other error, then the connection closes.
 */
export function clientErrorHandler(this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const error = clientError(err.code);
  this.log.debug({ code: err.code, status: error.status }, 'client error; closing the connection');
  // A response already on its way (e.g. a 401 sent while the body still trickles in) can't get a second status line.
  const inFlight = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) socket.write(closingAnswer(error));
  socket.destroy();
}

/** An error answer written straight to the socket, for a connection that closes after it. */
function closingAnswer(error: GatewayError): string {
  const { status, headers, body } = renderError(error);
  const lines = Object.entries({ connection: 'close', ...headers }).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${lines.join('')}\r\n${body}`;
}

/**
 * Node's 'connect' listener: CONNECT requests never reach Fastify, and without a listener Node
 * closes the socket unanswered. The gateway is no proxy: 405 like any method no route serves.
 */
export function answerConnect(req: IncomingMessage, socket: Duplex): void {
  const error = new GatewayError('method_not_allowed', 'The CONNECT method is not supported: the gateway is not a forward proxy.', {
    headers: { allow: 'GET, HEAD, POST, PUT, DELETE' },
  });
  socket.on('error', () => undefined);
  req.resume();
  socket.end(closingAnswer(error));
}
