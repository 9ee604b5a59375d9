// Rules for the model ids clients send, shared by API models and local aliases. Routing matches
// ids exactly; these rules keep ids readable in logs and lists (no control or bidi characters)
// and keep two ids from looking like one (case) or one id from being served twice (prefixes).
import { prefixServes } from '../state/registry.js';

export const MAX_MODEL_ID_LENGTH = 256;

// Control, format (bidi overrides, zero-width), unassigned, private-use and separator characters.
const UNPRINTABLE_RE = /[\p{C}\p{Z}\s]/u;
const UNPRINTABLE_GLOBAL_RE = /[\p{C}\p{Z}\s]/gu;

export const isPrintable = (s: string): boolean => s !== '' && !UNPRINTABLE_RE.test(s);

/** Length in characters (code points), not UTF-16 units. */
export const idLength = (s: string): number => [...s].length;

/** The string with unprintable characters shown as \u{...} escapes, for error messages. */
export const visible = (s: string): string => s.replace(UNPRINTABLE_GLOBAL_RE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);

/** Ids compare without case: `FAKE-REASONER` beside `fake-reasoner` is one id twice. */
export const sameId = (a: string, b: string): boolean => a === b || a.toLowerCase() === b.toLowerCase();

/** Whether a forward-all prefix would answer for `id`, ignoring case. */
export const prefixCovers = (prefix: string | null, id: string): boolean => !!prefix && prefixServes(prefix.toLowerCase(), id.toLowerCase());

/** Whether two forward-all prefixes answer for some id in common (one starts with the other). */
export function prefixesOverlap(a: string, b: string): boolean {
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x.startsWith(y) || y.startsWith(x);
}
