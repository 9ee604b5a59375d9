// A tiny scanner over the top level of a JSON object held as bytes. The gateway uses it to
// replace one field (`model` in a request, to strip a prefix) without re-serialising anything
// else, so the body passes through byte for byte. Inputs are already known to be valid JSON
// (requests were parsed once). Responses are read as they stream: see json-stream-scan.ts.

import { BACKSLASH, COLON, COMMA, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, isSpace } from './json-bytes.js';

export interface ValueSpan {
  /** Offset of the first byte of the value. */
  start: number;
  /** Offset just past the value. */
  end: number;
}


function skipSpace(buf: Uint8Array, i: number): number {
  while (i < buf.length && isSpace(buf[i])) i++;
  return i;
}

/** `i` points at an opening quote; returns the index after the closing quote, or -1. */
function skipString(buf: Uint8Array, i: number): number {
  for (i++; i < buf.length; i++) {
    const b = buf[i];
    if (b === BACKSLASH) i++;
    else if (b === QUOTE) return i + 1;
  }
  return -1;
}

/** Skips any JSON value starting at `i`; returns the index after it, or -1 if the input ends first. */
function skipValue(buf: Uint8Array, i: number): number {
  const first = buf[i];
  if (first === QUOTE) return skipString(buf, i);
  if (first === LBRACE || first === LBRACKET) {
    let depth = 0;
    for (; i < buf.length; i++) {
      const b = buf[i];
      if (b === QUOTE) {
        i = skipString(buf, i) - 1;
        if (i < 0) return -1;
      } else if (b === LBRACE || b === LBRACKET) depth++;
      else if (b === RBRACE || b === RBRACKET) {
        if (--depth === 0) return i + 1;
      }
    }
    return -1;
  }
  // number, true, false, null
  while (i < buf.length) {
    const b = buf[i];
    if (b === COMMA || b === RBRACE || b === RBRACKET || isSpace(b)) return i;
    i++;
  }
  return -1;
}

function keyEquals(buf: Uint8Array, start: number, end: number, key: string): boolean {
  // Fast path: a plain ASCII key compares byte by byte; escaped keys are decoded.
  const raw = buf.subarray(start + 1, end - 1);
  if (raw.includes(BACKSLASH)) {
    try {
      return JSON.parse(Buffer.from(buf.subarray(start, end)).toString('utf8')) === key;
    } catch {
      return false;
    }
  }
  if (raw.length !== key.length) return false;
  for (let k = 0; k < raw.length; k++) if (raw[k] !== key.charCodeAt(k)) return false;
  return true;
}

/**
 * Finds the value of a top-level key. With duplicate keys the last one wins, as in JSON.parse.
 * Returns undefined when the body is not an object, the key is absent, or the input is cut short.
 */
export function findTopLevel(buf: Uint8Array, key: string): ValueSpan | undefined {
  let i = skipSpace(buf, 0);
  if (buf[i] !== LBRACE) return undefined;
  i = skipSpace(buf, i + 1);
  let found: ValueSpan | undefined;
  while (i < buf.length && buf[i] !== RBRACE) {
    if (buf[i] !== QUOTE) return found;
    const keyStart = i;
    const keyEnd = skipString(buf, i);
    if (keyEnd < 0) return found;
    i = skipSpace(buf, keyEnd);
    if (buf[i] !== COLON) return found;
    const start = skipSpace(buf, i + 1);
    const end = skipValue(buf, start);
    if (end < 0) return found;
    if (keyEquals(buf, keyStart, keyEnd, key)) found = { start, end };
    i = skipSpace(buf, end);
    if (buf[i] === COMMA) i = skipSpace(buf, i + 1);
  }
  return found;
}

/** Returns a copy of `buf` with one top-level value replaced by `json` (already serialised). */
export function replaceTopLevel(buf: Buffer, key: string, json: string): Buffer {
  const span = findTopLevel(buf, key);
  if (!span) return buf;
  return Buffer.concat([buf.subarray(0, span.start), Buffer.from(json, 'utf8'), buf.subarray(span.end)]);
}
