// Checks that bytes are one JSON text without building anything, and finds a few top-level
// values in the same pass (checkJson). /v1 request bodies pass through byte for byte and the
// gateway reads only a few top-level fields of them, so parsing a whole conversation into
// objects (and collecting them again) only to find `model` would be the largest per-byte cost
// of a request with a big body. It accepts exactly what JSON.parse accepts on the body decoded
// as UTF-8 (a property test holds the two together): strict RFC 8259 grammar, raw bytes >= 0x80
// anywhere inside strings (invalid UTF-8 decodes to U+FFFD, which JSON.parse accepts), no
// control characters inside strings, any nesting depth (no recursion).
import { BACKSLASH, COLON, COMMA, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, skipSpace } from './json-bytes.js';
import { hasBackslash, keyEquals, type ValueSpan } from './json-scan.js';

const ZERO = 0x30;
const NINE = 0x39;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;

const isDigit = (b: number | undefined): boolean => b !== undefined && b >= ZERO && b <= NINE;
const isHex = (b: number | undefined): boolean => b !== undefined && ((b >= ZERO && b <= NINE) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x66));

/** Bytes that may follow a backslash (besides `u`): " \ / b f n r t. */
const SIMPLE_ESCAPE = new Uint8Array(128);
for (const c of '"\\/bfnrt') SIMPLE_ESCAPE[c.charCodeAt(0)] = 1;

/**
 * The index of the first byte at or after `i` that ends a run of plain string content: a
 * quote, a backslash, a control character, or the end of `buf`. Long strings (conversation
 * text) are most of a big body, so this looks at four bytes per step: a 32-bit word has none of
 * those bytes when no byte is below 0x20 and none equals 0x22 or 0x5c (the "has a byte less
 * than" / "has a zero byte" word tests; exact as yes/no answers). Bytes >= 0x80 are plain here.
 */
function plainRun(buf: Uint8Array, words: DataView, i: number): number {
  for (const last = buf.length - 4; i <= last; i += 4) {
    const x = words.getUint32(i, true);
    const quote = x ^ 0x22222222;
    const backslash = x ^ 0x5c5c5c5c;
    if ((((x - 0x20202020) & ~x) | ((quote - 0x01010101) & ~quote) | ((backslash - 0x01010101) & ~backslash)) & 0x80808080) break;
  }
  for (;;) {
    const b = buf[i]!;
    // One or two comparisons per byte; past the end `b` is undefined and ends the run.
    if (b > BACKSLASH || (b > QUOTE && b !== BACKSLASH) || b === 0x20 || b === 0x21) i++;
    else return i;
  }
}

/** `i` is at an opening quote; returns the index after the closing quote, or -1. */
function string(buf: Uint8Array, words: DataView, i: number): number {
  for (i++; ; ) {
    i = plainRun(buf, words, i);
    const b = buf[i];
    if (b === QUOTE) return i + 1;
    if (b !== BACKSLASH) return -1; // a control character, or the input ended
    const e = buf[i + 1];
    if (e === 0x75) {
      if (!(isHex(buf[i + 2]) && isHex(buf[i + 3]) && isHex(buf[i + 4]) && isHex(buf[i + 5]))) return -1;
      i += 6;
    } else if (e !== undefined && e < 128 && SIMPLE_ESCAPE[e]) i += 2;
    else return -1;
  }
}

function digits(buf: Uint8Array, i: number): number {
  const start = i;
  while (isDigit(buf[i])) i++;
  return i > start ? i : -1;
}

/** -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; returns the index after it, or -1. */
function number(buf: Uint8Array, i: number): number {
  if (buf[i] === MINUS) i++;
  if (buf[i] === ZERO) i++;
  else if ((i = digits(buf, i)) < 0) return -1;
  if (buf[i] === DOT && (i = digits(buf, i + 1)) < 0) return -1;
  if ((buf[i]! | 0x20) === 0x65) {
    i++;
    if (buf[i] === PLUS || buf[i] === MINUS) i++;
    i = digits(buf, i);
  }
  return i;
}

function literal(buf: Uint8Array, i: number, word: string): number {
  for (let k = 0; k < word.length; k++) if (buf[i + k] !== word.charCodeAt(k)) return -1;
  return i + word.length;
}

/** A scalar (string, number, true, false, null) at `i`; returns the index after it, or -1. */
function scalar(buf: Uint8Array, words: DataView, i: number): number {
  switch (buf[i]) {
    case QUOTE:
      return string(buf, words, i);
    case 0x74:
      return literal(buf, i, 'true');
    case 0x66:
      return literal(buf, i, 'false');
    case 0x6e:
      return literal(buf, i, 'null');
    default:
      return number(buf, i);
  }
}

const NO_KEYS: readonly string[] = [];

/** Whether `buf` holds exactly one JSON value (surrounding whitespace allowed). */
export const isJson = (buf: Uint8Array): boolean => checkJson(buf, NO_KEYS) !== null;

/**
 * Checks that `buf` holds exactly one JSON value and, in the same pass, finds the values of
 * some top-level keys (when the value is an object; the last duplicate wins, as in
 * JSON.parse). Returns null for anything JSON.parse would reject.
 */
export function checkJson(buf: Uint8Array, keys: readonly string[]): Map<string, ValueSpan> | null {
  const found = new Map<string, ValueSpan>();
  const words = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // Open containers, innermost last: the closing byte each one expects.
  const open: number[] = [];
  const topObject = keys.length > 0 && buf[skipSpace(buf, 0)] === LBRACE;
  // The wanted top-level key whose value is being checked, and where that value starts.
  let pending: string | undefined;
  let valueStart = 0;
  const memberAt = (i: number): number => {
    const keyStart = i;
    const start = member(buf, words, i);
    if (start >= 0 && topObject && open.length === 1) {
      const keyEnd = string(buf, words, keyStart);
      const escaped = hasBackslash(buf, keyStart + 1, keyEnd - 1);
      pending = undefined;
      for (const key of keys) if (keyEquals(buf, keyStart, keyEnd, escaped, key)) pending = key;
      valueStart = start;
    }
    return start;
  };
  let i = skipSpace(buf, 0);
  for (;;) {
    // Here a value must start.
    const b = buf[i];
    if (b === LBRACE || b === LBRACKET) {
      const close = b === LBRACE ? RBRACE : RBRACKET;
      i = skipSpace(buf, i + 1);
      if (buf[i] === close) {
        i++;
      } else {
        open.push(close);
        if (close === RBRACE && (i = memberAt(i)) < 0) return null;
        continue;
      }
    } else if ((i = scalar(buf, words, i)) < 0) {
      return null;
    }
    // A value ended: close what it completes, then expect the next member or element.
    for (;;) {
      if (pending !== undefined && open.length === 1) {
        found.set(pending, { start: valueStart, end: i });
        pending = undefined;
      }
      i = skipSpace(buf, i);
      const close = open[open.length - 1];
      if (close === undefined) return i === buf.length ? found : null;
      if (buf[i] === COMMA) {
        i = skipSpace(buf, i + 1);
        if (close === RBRACE && (i = memberAt(i)) < 0) return null;
        break;
      }
      if (buf[i] !== close) return null;
      open.pop();
      i++;
    }
  }
}

/** An object member's `"key" :` at `i`; returns where its value starts, or -1. */
function member(buf: Uint8Array, words: DataView, i: number): number {
  if (buf[i] !== QUOTE || (i = string(buf, words, i)) < 0) return -1;
  i = skipSpace(buf, i);
  return buf[i] === COLON ? skipSpace(buf, i + 1) : -1;
}
