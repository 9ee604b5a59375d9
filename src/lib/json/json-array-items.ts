// Splits a JSON array that arrives in chunks into its elements, handing each object or array
// element over as its own bytes once it is complete (Gemini streams its answers this way
// without `alt=sse`: `[{...}\r\n,\r\n{...}]`). Only the element being read is kept, and only up to
// a bound; scalars between them are skipped. Input that is no array yields nothing.
import { BACKSLASH, LBRACE, LBRACKET, QUOTE, RBRACE, RBRACKET, isSpace } from './json-bytes.js';

export class JsonArrayItems {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private gaveUp = false;
  /** Parts of the element being read (copied: chunks belong to the response). */
  private parts: Buffer[] = [];
  private size = 0;
  private from = -1;

  constructor(
    private readonly onItem: (item: Buffer) => void,
    /** An element larger than this is skipped, not kept. */
    private readonly maxItemBytes: number,
  ) {}

  write(chunk: Buffer): void {
    if (this.gaveUp) return;
    if (this.depth >= 2) this.from = 0;
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      const b = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) this.inString = false;
        else {
          // Generated text is most of the bytes: jump to the next quote or backslash.
          const q = chunk.indexOf(QUOTE, i);
          const s = chunk.indexOf(BACKSLASH, i);
          const stop = q < 0 ? s : s < 0 ? q : Math.min(q, s);
          if (stop < 0) break;
          i = stop - 1;
        }
        continue;
      }
      if (isSpace(b)) continue;
      if (this.depth === 0) {
        if (b !== LBRACKET) {
          this.gaveUp = true;
          return;
        }
        this.depth = 1;
        continue;
      }
      if (b === QUOTE) this.inString = true;
      else if (b === LBRACE || b === LBRACKET) {
        if (++this.depth === 2) this.from = i;
      } else if (b === RBRACE || b === RBRACKET) {
        if (--this.depth === 1) this.emit(chunk, i + 1);
        else if (this.depth === 0) {
          this.gaveUp = true; // the array ended
          return;
        }
      }
    }
    if (this.depth >= 2) this.keep(chunk, this.from, n);
  }

  private keep(chunk: Buffer, from: number, to: number): void {
    this.size += to - from;
    if (this.size <= this.maxItemBytes) this.parts.push(Buffer.from(chunk.subarray(from, to)));
    else this.parts = [];
  }

  private emit(chunk: Buffer, end: number): void {
    const whole = this.size + end - this.from <= this.maxItemBytes;
    const item = whole ? (this.parts.length ? Buffer.concat([...this.parts, chunk.subarray(this.from, end)]) : chunk.subarray(this.from, end)) : undefined;
    this.parts = [];
    this.size = 0;
    this.from = -1;
    if (item) this.onItem(item);
  }
}
