// Server-sent events framing, as the gateway needs it while bytes pass: where an event ends,
// its data lines, and a search for a marker within one event.

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

/** Where a marker occurs in an event. */
export class Marker {
  constructor(readonly bytes: Buffer) {}

  /** The first occurrence in buf[start, end), or -1. */
  find(buf: Buffer, start: number, end: number): number {
    const at = buf.subarray(start, end).indexOf(this.bytes);
    return at < 0 ? -1 : start + at;
  }
}

/** Whether buf[at, end) starts with `bytes`. */
export const bytesAt = (buf: Buffer, at: number, end: number, bytes: Buffer): boolean => {
  if (at + bytes.length > end) return false;
  for (let k = 0; k < bytes.length; k++) if (buf[at + k] !== bytes[k]) return false;
  return true;
};
