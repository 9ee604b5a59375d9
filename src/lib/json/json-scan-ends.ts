// Reads a few top-level fields of a JSON object without walking its bulk: the fields a producer
// writes first (a Response's `id`, `status`) are read forward from the start, the ones it writes
// last (`usage`) backward from the end, and the middle (the output, most of the bytes) is never
// touched, so the cost does not grow with the size of the answer. Inputs are expected to be
// valid JSON; a malformed one yields fewer fields, never an error.
import { BACKSLASH, COLON, COMMA, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, isSpace } from './json-bytes.js';
import { SHORT_STRING, hasBackslash, keyEquals, scanTopLevel, type ValueSpan } from './json-scan.js';

/** The last non-space index at or before `i` (-1 if none). */
function skipSpaceBack(buf: Uint8Array, i: number): number {
  while (i >= 0 && isSpace(buf[i])) i--;
  return i;
}

/** Whether the quote at `q` is escaped: an odd run of backslashes right before it. */
function escapedQuote(buf: Uint8Array, q: number): boolean {
  let k = q - 1;
  while (k >= 0 && buf[k] === BACKSLASH) k--;
  return (q - 1 - k) % 2 === 1;
}

/** `i` points at a closing quote; returns the index of the opening quote, or -1. */
function stringStartBack(buf: Uint8Array, i: number): number {
  // A quote with an even run of backslashes before it ends or starts a string, whichever way
  // one reads: inside a string every quote is escaped and every backslash comes in a pair.
  const stop = Math.max(0, i - 1 - SHORT_STRING);
  let j = i - 1;
  for (; j >= stop; j--) if (buf[j] === QUOTE && !escapedQuote(buf, j)) return j;
  while (j >= 0) {
    const q = (buf as Buffer).lastIndexOf(QUOTE, j);
    if (q < 0) return -1;
    if (!escapedQuote(buf, q)) return q;
    j = q - 1;
  }
  return -1;
}

/** `i` points at the last byte of a value; returns the index of its first byte, or -1. */
function valueStartBack(buf: Uint8Array, i: number): number {
  const last = buf[i];
  if (last === QUOTE) return stringStartBack(buf, i);
  if (last === RBRACE || last === RBRACKET) {
    let depth = 0;
    for (; i >= 0; i--) {
      const b = buf[i];
      if (b === QUOTE) {
        i = stringStartBack(buf, i);
        if (i < 0) return -1;
      } else if (b === RBRACE || b === RBRACKET) depth++;
      else if (b === LBRACE || b === LBRACKET) {
        if (--depth === 0) return i;
      }
    }
    return -1;
  }
  // number, true, false, null
  while (i > 0 && buf[i - 1] !== COLON && !isSpace(buf[i - 1])) i--;
  return i;
}

/**
 * Spans of top-level keys: `head` ones searched from the start (the scan stops once they are all
 * found), `tail` ones from the end back to where the forward scan stopped. Any key is found
 * wherever it is; only how far each scan walks depends on the guess. With duplicate keys the
 * result may differ from JSON.parse's last-one-wins.
 */
export function findTopLevelAtEnds(buf: Uint8Array, head: readonly string[], tail: readonly string[]): Map<string, ValueSpan> {
  const { found, next } = scanTopLevel(buf, [...head, ...tail], head.length);
  if (next < 0 || tail.every((k) => found.has(k))) return found;
  const wanted = tail.filter((k) => !found.has(k));
  let i = skipSpaceBack(buf, buf.length - 1);
  if (buf[i] !== RBRACE) return found;
  i = skipSpaceBack(buf, i - 1);
  // `i` is the last byte of a value whose key has not been read yet, as long as it lies past
  // the point where the forward scan stopped.
  while (i >= next && wanted.length > 0) {
    const end = i + 1;
    const start = valueStartBack(buf, i);
    if (start < 0) return found;
    i = skipSpaceBack(buf, start - 1);
    if (buf[i] !== COLON) return found;
    const keyEnd = skipSpaceBack(buf, i - 1) + 1;
    if (buf[keyEnd - 1] !== QUOTE) return found;
    const keyStart = stringStartBack(buf, keyEnd - 1);
    if (keyStart < 0) return found;
    const escaped = hasBackslash(buf, keyStart + 1, keyEnd - 1);
    for (let k = 0; k < wanted.length; k++) {
      if (keyEquals(buf, keyStart, keyEnd, escaped, wanted[k]!)) {
        found.set(wanted[k]!, { start, end });
        wanted.splice(k, 1);
        break;
      }
    }
    i = skipSpaceBack(buf, keyStart - 1);
    if (buf[i] === COMMA) i = skipSpaceBack(buf, i - 1);
    else return found; // `{`: the object's first key
  }
  return found;
}
