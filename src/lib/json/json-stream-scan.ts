// Reads a few top-level fields (a response's `id`, `status`, `usage`) from a JSON object that
// arrives in chunks, without keeping the chunks: a byte-level state machine that only
// remembers where it is, plus the bytes of the wanted values themselves (each bounded). A
// huge body costs one pass over its bytes and no memory.

import { BACKSLASH, COLON, COMMA, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, isSpace } from './json-bytes.js';

/** Keys longer than this can't be a wanted one. */
const MAX_KEY_BYTES = 64;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

export class TopLevelFields {
  private readonly wanted: Map<string, Buffer>;
  private readonly maxValueBytes: number;
  /** Raw JSON text of each wanted value seen (the last one, for duplicate keys, as JSON.parse). */
  readonly raw = new Map<string, Buffer>();

  private depth = 0;
  private inString = false;
  private escaped = false;
  private expectKey = false;
  private gaveUp = false;

  // Top-level key being read: kept as offsets into the chunk, copied only if it spans chunks.
  private inKey = false;
  private keyFrom = -1;
  private keyParts: Buffer[] = [];
  private keySize = 0;
  private keyEscapes = false;
  /** The wanted key whose value comes next, after the colon. */
  private pendingKey: string | null = null;

  // Value being captured.
  private capturing: string | null = null;
  private captureDepth = 0;
  private captureParts: Buffer[] = [];
  private captureSize = 0;
  private captureFrom = -1;

  constructor(keys: readonly string[], maxValueBytes = 64 * 1024) {
    this.wanted = new Map(keys.map((k) => [k, Buffer.from(k, 'utf8')]));
    this.maxValueBytes = maxValueBytes;
  }

  /** True when the input turned out not to be a JSON object, or the object has ended. */
  get finished(): boolean {
    return this.gaveUp;
  }

  /** A captured value parsed, or undefined when absent or not valid JSON. */
  value(key: string): unknown {
    const raw = this.raw.get(key);
    if (!raw) return undefined;
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      return undefined;
    }
  }

  write(chunk: Uint8Array): void {
    if (this.gaveUp) return;
    if (this.capturing !== null) this.captureFrom = 0;
    if (this.inKey) this.keyFrom = 0;
    // Most bytes of a response are inside strings (the generated text): skip through them with
    // native searches for the next quote or backslash instead of looking at every byte.
    let nextBackslash = -2; // -2: not searched yet; -1: none left in this chunk
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      if (this.inString && !this.escaped) {
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = chunk.indexOf(BACKSLASH, i);
        const quote = chunk.indexOf(QUOTE, i);
        const stop = quote < 0 ? (nextBackslash < 0 ? n : nextBackslash) : nextBackslash >= 0 && nextBackslash < quote ? nextBackslash : quote;
        if (stop >= n) break;
        i = stop;
      }
      if (!this.byte(chunk[i]!, chunk, i)) break;
    }
    if (this.capturing !== null && this.captureFrom >= 0) this.keep(chunk, this.captureFrom, chunk.length);
    if (this.inKey && this.keySize <= MAX_KEY_BYTES) {
      this.keyParts.push(Buffer.from(chunk.subarray(this.keyFrom, n)));
      this.keySize += n - this.keyFrom;
    }
  }

  /** Handles one byte; false stops the scan. */
  private byte(b: number, chunk: Uint8Array, i: number): boolean {
    if (this.inString) {
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) {
        this.escaped = true;
        if (this.inKey) this.keyEscapes = true;
      } else if (b === QUOTE) {
        this.inString = false;
        if (this.inKey) this.endKey(chunk, i);
        else if (this.capturing !== null && this.depth === this.captureDepth) this.endCapture(chunk, i + 1);
      }
      return true;
    }
    if (isSpace(b)) return true;
    if (this.depth === 0) {
      if (b !== LBRACE) {
        this.gaveUp = true; // not an object
        return false;
      }
      this.depth = 1;
      this.expectKey = true;
      return true;
    }
    // The first byte of a wanted value: start capturing it.
    if (this.pendingKey !== null && this.depth === 1 && !this.expectKey) {
      this.startCapture(this.pendingKey, i);
      this.pendingKey = null;
    }
    switch (b) {
      case QUOTE:
        this.inString = true;
        if (this.depth === 1 && this.expectKey) {
          this.inKey = true;
          this.keyFrom = i + 1;
          this.keyParts = [];
          this.keySize = 0;
          this.keyEscapes = false;
        }
        break;
      case LBRACE:
      case LBRACKET:
        this.depth++;
        break;
      case RBRACE:
      case RBRACKET:
        this.depth--;
        if (this.capturing !== null && this.depth === this.captureDepth) this.endCapture(chunk, i + 1);
        else if (this.capturing !== null && this.depth < this.captureDepth) this.endCapture(chunk, i); // a literal ended by `}`
        if (this.depth === 0) {
          this.gaveUp = true; // the object ended
          return false;
        }
        break;
      case COLON:
        if (this.depth === 1) this.expectKey = false;
        break;
      case COMMA:
        if (this.capturing !== null && this.depth === this.captureDepth) this.endCapture(chunk, i); // number/literal
        if (this.depth === 1) this.expectKey = true;
        break;
    }
    return true;
  }

  /** The key's closing quote is at `end` in `chunk`. */
  private endKey(chunk: Uint8Array, end: number): void {
    this.inKey = false;
    const size = this.keySize + end - this.keyFrom;
    if (size > MAX_KEY_BYTES) return;
    const raw = this.keyParts.length ? Buffer.concat([...this.keyParts, chunk.subarray(this.keyFrom, end)]) : chunk.subarray(this.keyFrom, end);
    let key: string | undefined;
    if (this.keyEscapes) {
      try {
        key = JSON.parse(`"${Buffer.from(raw).toString('utf8')}"`) as string;
      } catch {
        return;
      }
      if (!this.wanted.has(key)) key = undefined;
    } else {
      for (const [name, bytes] of this.wanted) {
        if (bytes.length === raw.length && sameBytes(bytes, raw)) key = name;
      }
    }
    if (key !== undefined) this.pendingKey = key;
  }

  private startCapture(key: string, at: number): void {
    this.capturing = key;
    this.captureDepth = 1;
    this.captureParts = [];
    this.captureSize = 0;
    this.captureFrom = at;
  }

  private keep(chunk: Uint8Array, from: number, to: number): void {
    if (to <= from) return;
    this.captureSize += to - from;
    if (this.captureSize > this.maxValueBytes) return; // too big to be a field we read: dropped at the end
    // Copy: the chunk belongs to the response and must not be pinned after it passes.
    this.captureParts.push(Buffer.from(chunk.subarray(from, to)));
  }

  private endCapture(chunk: Uint8Array, end: number): void {
    this.keep(chunk, this.captureFrom, end);
    const key = this.capturing as string;
    if (this.captureSize <= this.maxValueBytes) this.raw.set(key, Buffer.concat(this.captureParts).subarray(0));
    this.capturing = null;
    this.captureParts = [];
    this.captureFrom = -1;
  }
}
