import type { Span } from '@opentelemetry/api';
import type { AuthToken } from '../state/token-cache.js';

/** What the access log line records about a proxied call. */
export interface ProxyInfo {
  model?: string;
  apiModel?: string;
  outcome?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every authenticated route. */
    token: AuthToken | null;
    /** The request body exactly as received, for pass-through. */
    rawBody: Buffer | undefined;
    proxy: ProxyInfo | undefined;
    /** The request's trace span when OpenTelemetry is on. */
    span: Span | undefined;
  }
}
