// Server-sent events framing, as the gateway needs it while bytes pass: where an event ends,
// its data lines, and a cheap search for a marker across the events of one chunk.

const LF = 0x0a;
const CR = 0x0d;

/** Index just past the blank line that ends the first event at or after `from`, or -1. */
export function eventEnd(buf: Buffer, from: number): number {
  for (let i = buf.indexOf(LF, from); i >= 0 && i < buf.length; i = buf.indexOf(LF, i + 1)) {
    const next = buf[i + 1] === CR ? i + 2 : i + 1;
    if (buf[next] === LF) return next + 1;
  }
  return -1;
}

/** The joined `data:` lines of one event. */
export function eventData(event: Buffer): string {
  const lines = event.toString('utf8').split(/\r?\n/);
  let data = '';
  for (const line of lines) {
    if (!line.startsWith('data:')) continue;
    data += (data ? '\n' : '') + line.slice(line[5] === ' ' ? 6 : 5);
  }
  return data;
}

/**
 * Where a marker occurs in the events of a chunk. The events of a chunk are handed over in
 * order, so each chunk is searched once from left to right: the next occurrence found past one
 * event is kept for the events after it, instead of one search per event.
 */
export class Marker {
  private buf: Buffer | undefined;
  /** The first occurrence at or after the last search's start (-1: none). */
  private next = -1;

  constructor(readonly bytes: Buffer) {}

  /** The first occurrence in buf[start, end), or -1. */
  find(buf: Buffer, start: number, end: number): number {
    if (buf !== this.buf || (this.next >= 0 && this.next < start)) {
      this.buf = buf;
      this.next = buf.indexOf(this.bytes, start);
    }
    return this.next >= 0 && this.next + this.bytes.length <= end ? this.next : -1;
  }
}

/** Whether buf[at, end) starts with `bytes`. */
export const bytesAt = (buf: Buffer, at: number, end: number, bytes: Buffer): boolean => {
  if (at + bytes.length > end) return false;
  for (let k = 0; k < bytes.length; k++) if (buf[at + k] !== bytes[k]) return false;
  return true;
};
