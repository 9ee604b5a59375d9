// The Responses API's WebSocket frames as the gateway reads and writes them: only `type`,
// `model` and `store` are read from a client's frame (the rest passes as bytes), and the
// gateway's own errors go out as OpenAI's error frame, marked as the gateway's.
import type { GatewayError } from '../../errors/catalogue.js';
import { decodeSpan, findTopLevelKeys } from '../../lib/json/json-scan.js';

/** The fields of a client frame the gateway routes on; absent or not a JSON object: {}. */
export interface FrameFields {
  type?: unknown;
  model?: unknown;
  store?: unknown;
  previous_response_id?: unknown;
  generate?: unknown;
}

const FIELDS = ['type', 'model', 'store', 'previous_response_id', 'generate'];

export function frameFields(frame: Buffer): FrameFields {
  const out: Record<string, unknown> = {};
  try {
    for (const [key, span] of findTopLevelKeys(frame, FIELDS)) out[key] = decodeSpan(frame, span);
  } catch {
    return {};
  }
  return out;
}

/** OpenAI's WebSocket error frame for an error the gateway produced. */
export function gatewayErrorFrame(error: GatewayError): string {
  return JSON.stringify({
    type: 'error',
    status: error.status,
    error: { type: error.type, code: error.code, message: error.message, param: error.param },
    headers: { 'x-bodhi-error': 'gateway', ...error.headers },
  });
}

/**
 * An upstream's HTTP error answer (bridge) as an error frame: its `error` object unchanged
 * when the body has one, else the body's text as the message.
 */
export function upstreamErrorFrame(status: number, body: Buffer): string {
  let error: unknown;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: unknown };
    error = parsed && typeof parsed === 'object' && parsed.error !== undefined ? parsed.error : parsed;
  } catch {
    error = { type: 'upstream_error', message: body.toString('utf8').slice(0, 4096) };
  }
  return JSON.stringify({ type: 'error', status, error });
}

const ERROR_TYPE = Buffer.from('"type":"error"');

/** Whether an upstream frame is an error frame (it ends the turn). */
export function isErrorFrame(frame: Buffer): boolean {
  if (frame.indexOf(ERROR_TYPE) < 0) return false;
  return frameFields(frame).type === 'error';
}

/** The status an error frame carries, for the request log. */
export function errorFrameStatus(frame: Buffer): number {
  try {
    const status = (JSON.parse(frame.toString('utf8')) as { status?: unknown }).status;
    return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
  } catch {
    return 500;
  }
}

/** Close codes that may be sent (1005 and 1006 only describe a close, and reserved ones are refused). */
export function sendableCloseCode(code: number, fallback: number): number {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999) ? code : fallback;
}
