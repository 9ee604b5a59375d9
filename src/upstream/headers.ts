// Which headers cross the gateway. Requests: the client's own headers go upstream except
// hop-by-hop ones, client credentials and the billed account; the API model's key (and its
// OpenAI organization and project, if set) are added. Responses: the upstream's headers come
// back except hop-by-hop ones and cookies.

const HOP_BY_HOP: readonly string[] = [
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'trailers',
  'upgrade',
  'proxy-authorization',
  'proxy-authenticate',
  'proxy-connection',
];

/** Client headers that never reach the upstream: credentials, and those the gateway sets itself. */
export const DROP_FROM_CLIENT: readonly string[] = [
  ...HOP_BY_HOP,
  'host',
  'authorization',
  'cookie',
  'x-api-key',
  'x-goog-api-key',
  'api-key',
  // Which OpenAI organization and project are billed is the operator's choice, made on the
  // API model; a client must not pick another one the operator's key can reach.
  'openai-organization',
  'openai-project',
  'content-length',
  // The gateway reads response bodies as they pass (routing records, usage), so it asks for
  // them uncompressed; a compressed body would still be passed through untouched.
  'accept-encoding',
  'expect',
];

/** Upstream headers that never reach the client; `x-bodhi-error` marks the gateway's own errors only. */
export const DROP_FROM_UPSTREAM: readonly string[] = [...HOP_BY_HOP, 'set-cookie', 'set-cookie2', 'x-bodhi-error'];

const CLIENT_DROPS = new Set(DROP_FROM_CLIENT);
const UPSTREAM_DROPS = new Set(DROP_FROM_UPSTREAM);

/** Extra names listed in a Connection header are hop-by-hop too (RFC 9110 7.6.1). */
function connectionListed(value: string | undefined): Set<string> | undefined {
  if (!value) return undefined;
  const lower = value.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return undefined; // nearly every response
  const names = lower
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s && s !== 'close' && s !== 'keep-alive');
  return names.length ? new Set(names) : undefined;
}

/**
 * Builds the upstream request headers as a flat [name, value, ...] list from the client's raw
 * headers (order and case kept). `credentials` is the API model's own flat list (its key in
 * its provider's header, account headers), prepared once per model.
 */
export function upstreamRequestHeaders(rawHeaders: readonly string[], credentials: readonly string[], bodyLength: number | null, defaults?: readonly string[]): string[] {
  let listed: Set<string> | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === 'connection') listed = connectionListed(rawHeaders[i + 1]);
  }
  const out: string[] = [];
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (CLIENT_DROPS.has(lower) || lower.startsWith('x-bodhi-') || listed?.has(lower)) continue;
    out.push(name, rawHeaders[i + 1]!);
  }
  for (let i = 0; i < credentials.length; i++) out.push(credentials[i]!);
  if (defaults) addMissing(out, defaults);
  if (bodyLength !== null) out.push('content-length', String(bodyLength));
  out.push('accept-encoding', 'identity');
  return out;
}

/** Appends each default [name, value] whose name `out` does not have yet. */
function addMissing(out: string[], defaults: readonly string[]): void {
  for (let d = 0; d < defaults.length; d += 2) {
    const name = defaults[d]!.toLowerCase();
    let present = false;
    for (let i = 0; i < out.length && !present; i += 2) present = out[i]!.toLowerCase() === name;
    if (!present) out.push(defaults[d]!, defaults[d + 1]!);
  }
}

export interface ResponseHeadInfo {
  /** Flat [name, value, ...] list for res.writeHead. */
  headers: string[];
  contentType: string;
  /** `''` when the body is not encoded. */
  contentEncoding: string;
}

/** Filters the upstream's raw response headers (undici hands them over as Buffers). */
export function clientResponseHeaders(raw: readonly Buffer[]): ResponseHeadInfo {
  let listed: Set<string> | undefined;
  let contentType = '';
  let contentEncoding = '';
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toString('latin1');
    const lower = name.toLowerCase();
    const value = raw[i + 1]!.toString('latin1');
    if (lower === 'connection') listed = connectionListed(value);
    else if (lower === 'content-type') contentType = value;
    else if (lower === 'content-encoding') contentEncoding = value;
    if (UPSTREAM_DROPS.has(lower)) continue;
    out.push(name, value);
  }
  if (listed) {
    const kept: string[] = [];
    for (let i = 0; i < out.length; i += 2) if (!listed.has(out[i]!.toLowerCase())) kept.push(out[i]!, out[i + 1]!);
    return { headers: kept, contentType, contentEncoding };
  }
  return { headers: out, contentType, contentEncoding };
}
