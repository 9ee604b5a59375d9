// Watches a response as its bytes pass (never delaying or changing them) and learns what the
// gateway needs from it: the id of a created response (for routing records), its status, and
// the token usage (for the request log), from a JSON body or from the SSE events that carry
// them (`response.created`, the terminal `response.completed`/`failed`/`incomplete`, or the
// chat `include_usage` chunk).
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { ResponseTap } from '../upstream/forward.js';
import { decodeSpan, scanTopLevel } from '../lib/json/json-scan.js';
import { findTopLevelAtEnds } from '../lib/json/json-scan-ends.js';
import { TopLevelFields } from '../lib/json/json-stream-scan.js';

export type ObservedKind = 'responses' | 'chat' | 'embeddings';

export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  reasoningTokens: number | null;
  cachedTokens: number | null;
}

export interface Observation {
  /** HTTP status of the answer, once its head arrived. */
  httpStatus?: number;
  stream: boolean;
  responseId?: string;
  /** The Response object's status (`completed`, `in_progress`, ...). */
  status?: string;
  usage?: Usage;
  /** Set when the upstream's usage carried a count that is not a non-negative integer. */
  malformedUsage?: boolean;
  /** Set when the body is encoded in a way the gateway cannot undo (or does not inflate): nothing was read. */
  unreadable?: string;
}

export interface ResponseObserver extends ResponseTap {
  readonly observed: Observation;
}

/** JSON bodies up to this size are held and read at the end; larger ones are scanned as they pass. */
const JSON_PARSE_MAX = 256 * 1024;
/** A single SSE event larger than this is not inspected. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;
/** A compressed answer is watched until it has inflated to this much; past it, it only passes. */
const MAX_INFLATED_BYTES = 256 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const RESPONSE_TYPE = Buffer.from('"type":"response.');
/** What follows RESPONSE_TYPE in the events that end a Responses stream. */
const TERMINAL = ['completed', 'failed', 'incomplete'].map((t) => Buffer.from(`${t}"`));
const CHAT_USAGE = Buffer.from('"usage":{');
// Producers write a Response's id and status first and usage last (chat and embeddings too).
const HEAD: Record<ObservedKind, readonly string[]> = { responses: ['id', 'status'], chat: [], embeddings: [] };
const TAIL = ['usage'];
const ID_KEY = ['id'];
/** The id of the Response in a created event's data line (its first field), once its closing quote arrived. */
const UNFINISHED_ID = /"response"\s*:\s*\{\s*"id"\s*:\s*"([A-Za-z0-9_-]{1,256})"/;
const WANTED: Record<ObservedKind, readonly string[]> = { responses: ['id', 'status', 'usage'], chat: TAIL, embeddings: TAIL };

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
 * Reads Responses-style (`input_tokens`) or Chat-style (`prompt_tokens`) usage objects. A count
 * is taken only when it is an integer from 0 to MAX_COUNT: anything else (negative, fractional,
 * huge, a string) is left out and the reading is marked malformed, so no upstream can push a
 * counter backwards or poison the usage totals.
 */
export function readUsage(u: unknown): UsageReading {
  let malformed = false;
  const count = (v: unknown): number | null => {
    if (v === undefined || v === null) return null;
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_COUNT) return v;
    malformed = true;
    return null;
  };
  if (!u || typeof u !== 'object') return { usage: undefined, malformed: false };
  const o = u as Record<string, any>;
  let usage: Usage | undefined;
  if ('input_tokens' in o || 'output_tokens' in o) {
    usage = {
      inputTokens: count(o.input_tokens),
      outputTokens: count(o.output_tokens),
      reasoningTokens: count(o.output_tokens_details?.reasoning_tokens),
      cachedTokens: count(o.input_tokens_details?.cached_tokens),
    };
  } else if ('prompt_tokens' in o) {
    const output = count(o.completion_tokens);
    usage = {
      inputTokens: count(o.prompt_tokens),
      // Embeddings report no completion_tokens: none were produced.
      outputTokens: output ?? (o.completion_tokens === undefined && o.total_tokens !== undefined ? 0 : null),
      reasoningTokens: count(o.completion_tokens_details?.reasoning_tokens),
      cachedTokens: count(o.prompt_tokens_details?.cached_tokens),
    };
  }
  return { usage, malformed };
}

export function parseUsage(u: unknown): Usage | undefined {
  return readUsage(u).usage;
}

/**
 * Top-level fields of a held JSON body, read without parsing the rest: `head` fields from the
 * start, `tail` fields from the end (json-scan-ends.ts), then only those few values parsed.
 */
function readHeld(chunks: Buffer[], head: readonly string[], tail: readonly string[]): (key: string) => unknown {
  const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
  const spans = findTopLevelAtEnds(body, head, tail);
  return (key) => {
    const span = spans.get(key);
    if (!span) return undefined;
    try {
      return decodeSpan(body, span);
    } catch {
      return undefined;
    }
  };
}

/** Index just past the blank line that ends the first event at or after `from`, or -1. */
function eventEnd(buf: Buffer, from: number): number {
  for (let i = buf.indexOf(LF, from); i >= 0 && i < buf.length; i = buf.indexOf(LF, i + 1)) {
    const next = buf[i + 1] === CR ? i + 2 : i + 1;
    if (buf[next] === LF) return next + 1;
  }
  return -1;
}

/** The joined `data:` lines of one event. */
function eventData(event: Buffer): string {
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
 * event is kept for the events after it. (A search per event over a view of the event cost more
 * than the rest of watching a stream.)
 */
class Marker {
  private buf: Buffer | undefined;
  /** The first occurrence at or after the last search's start (-1: none). */
  private next = -1;

  constructor(private readonly bytes: Buffer) {}

  /** The first occurrence in buf[start, end), or -1. */
  find(buf: Buffer, start: number, end: number): number {
    if (buf !== this.buf || (this.next >= 0 && this.next < start)) {
      this.buf = buf;
      this.next = buf.indexOf(this.bytes, start);
    }
    return this.next >= 0 && this.next + this.bytes.length <= end ? this.next : -1;
  }
}

const bytesAt = (buf: Buffer, at: number, end: number, bytes: Buffer): boolean => {
  if (at + bytes.length > end) return false;
  for (let k = 0; k < bytes.length; k++) if (buf[at + k] !== bytes[k]) return false;
  return true;
};

/** Whether buf[start, end) holds `"type":"response.completed"` (or failed, incomplete). */
function hasTerminalType(marker: Marker, buf: Buffer, start: number, end: number): boolean {
  for (let at = marker.find(buf, start, end); at >= 0; at = marker.find(buf, at + 1, end)) {
    const after = at + RESPONSE_TYPE.length;
    for (const type of TERMINAL) if (bytesAt(buf, after, end, type)) return true;
  }
  return false;
}

/**
 * Called with a created response's id before the bytes that complete it go on to the client.
 * A returned promise holds those bytes until it settles (the routing record is committed).
 */
export type OnResponseId = (id: string) => void | Promise<void>;

export function observeResponse(kind: ObservedKind, onResponseId?: OnResponseId): ResponseObserver {
  const observed: Observation = { stream: false };
  let mode: 'json' | 'sse' | 'off' = 'off';
  // JSON bodies up to JSON_PARSE_MAX are kept (as the chunks that passed) and read once at the
  // end (readHeld). A larger body switches to the streaming scanner, which keeps only the few
  // fields read, so memory stays bounded.
  let held: Buffer[] = [];
  let heldBytes = 0;
  let fields: TopLevelFields | undefined;
  // The unfinished event at the end of the last chunk(s), kept as parts: joined once, when the
  // event completes (a big terminal event then costs one copy, not one per chunk).
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  /** A compressed answer is inflated on the side; the client still gets the bytes as sent. */
  let inflater: Transform | undefined;
  let inflated = 0;
  /** What the caller must wait for before passing the current chunk on (the routing record). */
  let gate: Promise<void> | undefined;
  let idSent = false;

  const sendId = (id: unknown) => {
    if (typeof id !== 'string' || idSent) return;
    idSent = true;
    const wait = onResponseId?.(id);
    if (wait) gate = gate ? gate.then(() => wait) : wait;
  };

  const takeUsage = (u: unknown) => {
    const { usage, malformed } = readUsage(u);
    if (malformed) observed.malformedUsage = true;
    if (usage) observed.usage = usage;
  };

  // Set when a stream starts: the event types (Responses) or the usage chunk (chat) to look for.
  let marker: Marker | undefined;

  const onEvent = (buf: Buffer, start: number, end: number) => {
    let interesting: boolean;
    if (kind === 'responses') {
      interesting = !observed.responseId || hasTerminalType(marker!, buf, start, end);
    } else {
      interesting = marker!.find(buf, start, end) >= 0;
    }
    if (!interesting) return;
    let parsed: any;
    try {
      parsed = JSON.parse(eventData(buf.subarray(start, end)));
    } catch {
      return;
    }
    if (kind === 'responses') {
      const response = parsed?.response;
      if (!response || typeof response !== 'object') return;
      if (typeof response.id === 'string' && !observed.responseId) {
        observed.responseId = response.id;
        sendId(response.id);
      }
      if (typeof response.status === 'string') observed.status = response.status;
      takeUsage(response.usage);
    } else {
      takeUsage(parsed?.usage);
    }
  };

  const scanSse = (chunk: Buffer) => {
    scanEvents(chunk);
    if (wantsId && !idSent && pendingBytes > 0) idFromUnfinishedEvent();
  };

  const scanEvents = (chunk: Buffer) => {
    let start = 0;
    if (pendingBytes > 0) {
      // Where does the pending event end? Only the junction needs the previous bytes: a blank
      // line is at most 4 bytes (CRLF CRLF), so 3 bytes of the tail are enough.
      const last = pending[pending.length - 1]!;
      const tail = last.subarray(Math.max(0, last.length - 3));
      const end = eventEnd(Buffer.concat([tail, chunk]), 0);
      if (end < 0) {
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes > MAX_EVENT_BYTES) {
          pending = [];
          pendingBytes = 0;
        }
        return;
      }
      start = end - tail.length;
      const event = Buffer.concat([...pending, chunk.subarray(0, start)]);
      pending = [];
      pendingBytes = 0;
      onEvent(event, 0, event.length);
    }
    for (let end = eventEnd(chunk, start); end >= 0; end = eventEnd(chunk, start)) {
      onEvent(chunk, start, end);
      start = end;
    }
    if (start < chunk.length && chunk.length - start <= MAX_EVENT_BYTES) {
      pending = [chunk.subarray(start)];
      pendingBytes = chunk.length - start;
    }
  };

  // A raw client can read the id from the `response.created` data line before its event ends:
  // the record is asked for as soon as the id in it is complete.
  const idFromUnfinishedEvent = () => {
    const text = (pending.length === 1 ? pending[0]! : Buffer.concat(pending)).toString('latin1', 0, Math.min(pendingBytes, 4096));
    const id = UNFINISHED_ID.exec(text)?.[1];
    if (id) sendId(id);
  };

  // A created response's id must be recorded before the chunk that completes it passes. It is
  // the first field producers write, so the first chunk is searched from its start; when the id
  // is not complete in it, the streaming scanner takes over and finds it as it completes.
  const wantsId = kind === 'responses' && onResponseId !== undefined;
  const findHeldId = () => {
    const body = held[0]!;
    const span = scanTopLevel(body, ID_KEY, 1).found.get('id');
    if (!span) return;
    try {
      sendId(decodeSpan(body, span));
    } catch {
      // not a JSON string: no id
    }
  };

  const scanJson = (chunk: Buffer) => {
    if (!fields && heldBytes + chunk.length <= JSON_PARSE_MAX && (!wantsId || idSent || held.length === 0)) {
      held.push(chunk);
      heldBytes += chunk.length;
      if (wantsId && !idSent) findHeldId();
      return;
    }
    if (!fields) {
      fields = new TopLevelFields(WANTED[kind]);
      for (const h of held) fields.write(h);
      held = [];
    }
    fields.write(chunk);
    if (wantsId && !idSent && fields.raw.has('id')) sendId(fields.value('id'));
  };

  const scan = (chunk: Buffer) => {
    if (mode === 'sse') scanSse(chunk);
    else if (mode === 'json') scanJson(chunk);
  };

  const onInflated = (chunk: Buffer) => {
    inflated += chunk.length;
    if (inflated > MAX_INFLATED_BYTES) {
      stopInflating();
      mode = 'off';
      observed.unreadable = 'inflated past its bound';
      return;
    }
    scan(chunk);
  };

  const stopInflating = () => {
    inflater?.off('data', onInflated);
    inflater?.destroy();
    inflater = undefined;
  };

  const takeGate = (): Promise<void> | undefined => {
    const g = gate;
    gate = undefined;
    return g;
  };

  /** What a complete body says; only a JSON answer that arrived whole counts, as the client saw it. */
  const finish = (complete: boolean) => {
    if (mode === 'json' && complete) {
      const read = fields ? (key: string) => fields!.value(key) : readHeld(held, HEAD[kind], TAIL);
      if (kind === 'responses') {
        const id = read('id');
        if (typeof id === 'string') {
          observed.responseId = id;
          sendId(id);
        }
        const status = read('status');
        if (typeof status === 'string') observed.status = status;
      }
      takeUsage(read('usage'));
    }
    mode = 'off';
    fields = undefined;
    held = [];
    pending = [];
    pendingBytes = 0;
    stopInflating();
  };

  return {
    observed,
    start(status, contentType, contentEncoding = '') {
      observed.httpStatus = status;
      if (contentType.startsWith('text/event-stream')) {
        observed.stream = true;
        mode = status >= 200 && status < 300 ? 'sse' : 'off';
        marker = new Marker(kind === 'responses' ? RESPONSE_TYPE : CHAT_USAGE);
      } else if (contentType.includes('json') && status >= 200 && status < 300) mode = 'json';
      if (mode !== 'off' && contentEncoding !== '' && contentEncoding.toLowerCase() !== 'identity') {
        inflater = inflaterFor(contentEncoding);
        if (!inflater) {
          mode = 'off';
          observed.unreadable = `content-encoding ${contentEncoding}`;
        } else {
          inflater.on('data', onInflated);
          // A body that does not inflate is passed on untouched; it is just not read.
          inflater.on('error', () => {
            stopInflating();
            mode = 'off';
            observed.unreadable = `a body that does not inflate as ${contentEncoding}`;
          });
        }
      }
      return true;
    },
    data(chunk) {
      if (mode === 'off') return undefined;
      if (!inflater) {
        scan(chunk);
        return takeGate();
      }
      const inf = inflater;
      // Until a created response's id is known, each chunk waits for its inflated bytes to be
      // read (the id must be recorded before the chunk reaches the client); after it, inflating
      // runs beside the passing bytes.
      if (!wantsId || idSent) {
        // Inflating slower than the bytes arrive: the upstream waits (no unbounded queue).
        return inf.write(chunk) ? undefined : settled(inf, 'drain');
      }
      return new Promise<void>((resolve) => inf.write(chunk, () => resolve())).then(takeGate);
    },
    end(complete) {
      const inf = inflater;
      if (!inf || !complete || mode === 'off') {
        finish(complete);
        return takeGate();
      }
      const ended = settled(inf, 'end');
      inf.end();
      return ended.then(() => {
        finish(complete);
        return takeGate();
      });
    },
  };
}

/** Resolves on `event`, or when the stream closes or fails first (never hangs on a broken inflater). */
function settled(stream: Transform, event: 'drain' | 'end'): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      stream.off(event, done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.once(event, done);
    stream.once('close', done);
    stream.once('error', done);
  });
}

/** A decompressor for one Content-Encoding, or undefined when this Node cannot undo it. */
function inflaterFor(encoding: string): Transform | undefined {
  const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  switch (encoding.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip(flush);
    case 'deflate':
      return zlib.createInflate(flush);
    case 'br':
      return zlib.createBrotliDecompress();
    case 'zstd': {
      const make = (zlib as unknown as { createZstdDecompress?: () => Transform }).createZstdDecompress;
      return make?.();
    }
    default:
      return undefined;
  }
}
