// Opens a WebSocket to an upstream (the Responses API's WebSocket mode) with the `ws` library:
// the client's own headers minus credentials, WebSocket handshake and hop-by-hop ones, plus the
// API model's credentials. Resolves once the upstream accepted (101) or refused the upgrade.
import WebSocket from 'ws';
import { DROP_FROM_CLIENT } from './headers.js';

export type DialResult =
  | { readonly ok: true; readonly socket: WebSocket }
  /** `status`: the upstream's answer to the upgrade when it gave one (it has no WebSocket mode). */
  | { readonly ok: false; readonly status: number | null; readonly error: Error };

const DROPS = new Set([...DROP_FROM_CLIENT, 'origin', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-extensions', 'sec-websocket-protocol', 'sec-websocket-accept']);

/** The handshake headers for the upstream: the client's (raw, flat) minus what must not cross, then `credentials`. */
export function upstreamUpgradeHeaders(rawHeaders: readonly string[], credentials: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const lower = rawHeaders[i]!.toLowerCase();
    if (DROPS.has(lower) || lower.startsWith('x-bodhi-')) continue;
    out[lower] = out[lower] === undefined ? rawHeaders[i + 1]! : `${out[lower]}, ${rawHeaders[i + 1]!}`;
  }
  for (let i = 0; i < credentials.length; i += 2) out[credentials[i]!.toLowerCase()] = credentials[i + 1]!;
  return out;
}

/** `url`: ws:// or wss://. */
export function dialUpstream(url: string, headers: Record<string, string>, opts: { maxPayload: number; handshakeTimeoutMs: number }): Promise<DialResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (r: DialResult) => {
      if (settled) return;
      settled = true;
      resolve(r);
    };
    const socket = new WebSocket(url, { headers, maxPayload: opts.maxPayload, handshakeTimeout: opts.handshakeTimeoutMs, perMessageDeflate: false, followRedirects: false });
    socket.once('open', () => settle({ ok: true, socket }));
    socket.once('unexpected-response', (req, res) => {
      res.resume();
      req.destroy();
      settle({ ok: false, status: res.statusCode ?? null, error: new Error(`upstream answered the upgrade with HTTP ${res.statusCode}`) });
    });
    socket.once('error', (err) => settle({ ok: false, status: null, error: err }));
  });
}

/** The upstream's WebSocket URL for an HTTP base URL and path, e.g. https://api.openai.com/v1 -> wss://api.openai.com/v1/responses. */
export const websocketUrl = (origin: string, path: string): string => origin.replace(/^http/, 'ws') + path;
