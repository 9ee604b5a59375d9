// A tiny scanner over the top level of a JSON object held as bytes. The gateway uses it to
// replace one field (`model` in a request, to strip a prefix) without re-serialising anything
// else, so the body passes through byte for byte. Inputs are already known to be valid JSON
// (request bodies were checked on arrival: json-validate.ts). Held response bodies are read from both ends
// (json-scan-ends.ts), larger ones as they stream (json-stream-scan.ts).

import { BACKSLASH, COLON, COMMA, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, isSpace, skipSpace } from './json-bytes.js';

export interface ValueSpan {
  /** Offset of the first byte of the value. */
  start: number;
  /** Offset just past the value. */
  end: number;
}


/** Strings longer than this are searched natively (Buffer#indexOf) instead of byte by byte. */
export const SHORT_STRING = 32;

/** `i` points at an opening quote; returns the index after the closing quote, or -1. */
function skipString(buf: Uint8Array, i: number): number {
  // Keys and enum values end within a few bytes, where a JS loop beats a native call; long
  // values (a response's text) are where the bytes are, and memchr-speed search pays there.
  const stop = Math.min(buf.length, i + 1 + SHORT_STRING);
  for (i++; i < stop; i++) {
    const b = buf[i];
    if (b === BACKSLASH) i++;
    else if (b === QUOTE) return i + 1;
  }
  // `i` is not inside an escape here, so the parity of the backslashes between it and the
  // next quote says whether that quote is escaped.
  while (i < buf.length) {
    const q = buf.indexOf(QUOTE, i);
    if (q < 0) return -1;
    let k = q - 1;
    while (k >= i && buf[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    i = q + 1;
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

/** Whether buf[start, end) holds a backslash (an escaped key must be decoded to compare). */
export function hasBackslash(buf: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (buf[k] === BACKSLASH) return true;
  return false;
}

/** Whether the key at buf[start, end) (quotes included) spells `key` (an ASCII key: the ones the gateway looks for). */
export function keyEquals(buf: Uint8Array, start: number, end: number, escaped: boolean, key: string): boolean {
  if (escaped) {
    try {
      return JSON.parse(Buffer.from(buf.subarray(start, end)).toString('utf8')) === key;
    } catch {
      return false;
    }
  }
  // A plain ASCII key compares byte by byte, in place: every key of every scanned body passes here.
  if (end - start - 2 !== key.length) return false;
  for (let j = 0; j < key.length; j++) if (buf[start + 1 + j] !== key.charCodeAt(j)) return false;
  return true;
}

/**
 * Finds the values of some top-level keys in one pass. With duplicate keys the last one wins,
 * as in JSON.parse. Keys are absent from the result when the body is not an object, the key is
 * not there, or the input is cut short before it.
 */
export function findTopLevelKeys(buf: Uint8Array, keys: readonly string[]): Map<string, ValueSpan> {
  return scanTopLevel(buf, keys, keys.length + 1).found;
}

/**
 * The forward scan behind findTopLevelKeys. Stops once the first `stopAfter` of `keys` are all
 * found; `next` is then where the next key starts (the rest is not scanned), else -1.
 */
export function scanTopLevel(buf: Uint8Array, keys: readonly string[], stopAfter: number): { found: Map<string, ValueSpan>; next: number } {
  const found = new Map<string, ValueSpan>();
  const done = { found, next: -1 };
  let i = skipSpace(buf, 0);
  if (buf[i] !== LBRACE) return done;
  i = skipSpace(buf, i + 1);
  if (stopAfter === 0) return { found, next: i };
  let headFound = 0;
  while (i < buf.length && buf[i] !== RBRACE) {
    if (buf[i] !== QUOTE) return done;
    const keyStart = i;
    const keyEnd = skipString(buf, i);
    if (keyEnd < 0) return done;
    i = skipSpace(buf, keyEnd);
    if (buf[i] !== COLON) return done;
    const start = skipSpace(buf, i + 1);
    const end = skipValue(buf, start);
    if (end < 0) return done;
    const escaped = hasBackslash(buf, keyStart + 1, keyEnd - 1);
    for (let k = 0; k < keys.length; k++) {
      if (!keyEquals(buf, keyStart, keyEnd, escaped, keys[k]!)) continue;
      if (k < stopAfter && !found.has(keys[k]!)) headFound++;
      found.set(keys[k]!, { start, end });
    }
    i = skipSpace(buf, end);
    if (buf[i] === COMMA) i = skipSpace(buf, i + 1);
    if (headFound === stopAfter) return { found, next: i };
  }
  return done;
}

/** The JSON value at `span`: a plain string (an id, a model) without a parser, else JSON.parse (which may throw). */
export function decodeSpan(buf: Buffer, span: ValueSpan): unknown {
  return buf[span.start] === QUOTE && !hasBackslash(buf, span.start, span.end)
    ? buf.toString('utf8', span.start + 1, span.end - 1)
    : JSON.parse(buf.toString('utf8', span.start, span.end));
}

/** The value of one top-level key (see findTopLevelKeys). */
export const findTopLevel = (buf: Uint8Array, key: string): ValueSpan | undefined => findTopLevelKeys(buf, [key]).get(key);

/** Returns a copy of `buf` with one top-level value replaced by `json` (already serialised). */
export function replaceTopLevel(buf: Buffer, key: string, json: string): Buffer {
  const span = findTopLevel(buf, key);
  return span ? replaceSpan(buf, span, json) : buf;
}

/** A copy of `buf` with the bytes at `span` replaced by `json` (already serialised), in one allocation. */
export function replaceSpan(buf: Buffer, span: ValueSpan, json: string): Buffer {
  const length = Buffer.byteLength(json, 'utf8');
  const out = Buffer.allocUnsafe(buf.length - (span.end - span.start) + length);
  buf.copy(out, 0, 0, span.start);
  out.write(json, span.start, 'utf8');
  buf.copy(out, span.start + length, span.end);
  return out;
}
