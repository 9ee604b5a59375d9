// What the gateway adds to a Fastify request: the auth hook sets `token`, body parsing keeps
// `rawBody`, tracing opens `span`, a surface that records its own call sets `recordsItself`, and an error answer sets `gatewayError`.
import type { Span } from '@opentelemetry/api';
import type { AuthToken } from '../state/token-cache.js';
import type { RequestError } from '../store/types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every authenticated route. */
    token: AuthToken | null;
    /** The request body exactly as received, for pass-through. */
    rawBody: Buffer | undefined;
    /** Set when a handler records the request itself (it knows how the call ended). */
    recordsItself: boolean;
    /** The request's trace span when OpenTelemetry is on. */
    span: Span | undefined;
    /** The gateway's own error answer, for the request log (set by the error handler and sendError). */
    gatewayError: RequestError | undefined;
  }
}
