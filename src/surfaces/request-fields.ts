// What the gateway adds to a Fastify request: the auth hook sets `token`, body parsing keeps
// `rawBody`, tracing opens `span`, and a surface that records its own call sets `recordsItself`.
import type { Span } from '@opentelemetry/api';
import type { AuthToken } from '../state/token-cache.js';

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
  }
}
