// Token counts as the gateway accepts them from any upstream.
import type { Usage } from '../domain/usage.js';

/**
 * The largest token count taken from one answer (2^31 - 1): far above any real response, and
 * low enough that summing millions of rows stays exact in SQLite's and PostgreSQL's integers.
 */
const MAX_COUNT = 2 ** 31 - 1;

/** Usage read from an upstream's answer; `malformed` when some count was not a usable number. */
export interface UsageReading {
  usage: Usage | undefined;
  malformed: boolean;
}

/**
 * A reader of counts: takes a count only when it is an integer from 0 to MAX_COUNT. Anything
 * else (negative, fractional, huge, a string) is left out and marks the reading malformed, so
 * no upstream can push a counter backwards or poison the usage totals.
 */
export function counter(): { count: (v: unknown) => number | null; readonly malformed: boolean } {
  let malformed = false;
  return {
    count(v) {
      if (v === undefined || v === null) return null;
      if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_COUNT) return v;
      malformed = true;
      return null;
    },
    get malformed() {
      return malformed;
    },
  };
}

export const NO_USAGE: UsageReading = { usage: undefined, malformed: false };
