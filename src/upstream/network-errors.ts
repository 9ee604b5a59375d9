// What a failed upstream connection means, for people (error messages) and for metrics (a
// bounded label), without ever including the URL's credentials or the key.

const NETWORK_ERRORS: Record<string, { text: string; kind: string }> = {
  ECONNREFUSED: { text: 'connection refused', kind: 'refused' },
  ENOTFOUND: { text: 'host could not be resolved', kind: 'dns' },
  EAI_AGAIN: { text: 'host could not be resolved', kind: 'dns' },
  ECONNRESET: { text: 'connection reset before a response', kind: 'reset' },
  UND_ERR_SOCKET: { text: 'connection closed before a response', kind: 'reset' },
  UND_ERR_CONNECT_TIMEOUT: { text: 'connect timed out', kind: 'connect_timeout' },
  UND_ERR_HEADERS_TIMEOUT: { text: 'timed out waiting for response headers', kind: 'headers_timeout' },
  ETIMEDOUT: { text: 'connect timed out', kind: 'connect_timeout' },
  EHOSTUNREACH: { text: 'host unreachable', kind: 'unreachable' },
  ENETUNREACH: { text: 'network unreachable', kind: 'unreachable' },
  CERT_HAS_EXPIRED: { text: 'TLS certificate has expired', kind: 'tls' },
  DEPTH_ZERO_SELF_SIGNED_CERT: { text: 'TLS certificate is self-signed', kind: 'tls' },
};

export function errorCode(err: Error): string {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code ?? 'UNKNOWN';
}

/** A short, bounded label for metrics: refused, dns, connect_timeout, ... */
export const upstreamErrorKind = (err: Error): string => NETWORK_ERRORS[errorCode(err)]?.kind ?? 'other';

/** A short, key-free description of why a request got no answer (also used by the admin checks). */
export const networkErrorText = (err: Error): string => NETWORK_ERRORS[errorCode(err)]?.text ?? 'request failed';

export const isHeadersTimeout = (err: Error): boolean => errorCode(err) === 'UND_ERR_HEADERS_TIMEOUT';

/** Failures before any byte of the request could reach the upstream (no connection was made). */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'CERT_HAS_EXPIRED', 'DEPTH_ZERO_SELF_SIGNED_CERT']);

/**
 * Whether the upstream cannot have seen the request, so sending it elsewhere cannot do it
 * twice (a reset or a headers timeout may come after the upstream acted on it).
 */
export const neverReachedUpstream = (err: Error): boolean => NOT_CONNECTED.has(errorCode(err));
