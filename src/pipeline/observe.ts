// Watches an answer as its bytes pass (never delaying or changing them, except to hold the
// chunk that completes a created response's id until its routing record is committed) and
// learns what the gateway records: the id of a created response, its status and the token
// usage. What to look for comes from the provider's AnswerReader; this file knows only JSON
// bodies (and JSON arrays streamed as events), SSE framing and content encodings.
import type { Transform } from 'node:stream';
import zlib from 'node:zlib';
import type { Observation } from '../domain/usage.js';
import { LBRACKET, skipSpace } from '../lib/json/json-bytes.js';
import { decodeSpan, scanTopLevel } from '../lib/json/json-scan.js';
import { findTopLevelAtEnds } from '../lib/json/json-scan-ends.js';
import { JsonArrayItems } from '../lib/json/json-array-items.js';
import { TopLevelFields } from '../lib/json/json-stream-scan.js';
import type { AnswerReader, AnswerSink } from '../providers/provider.js';
import { eventData, eventEnd, Marker } from '../upstream/sse.js';

/**
 * Sees an answer pass. A chunk is held only when `data` returns a promise: it goes on to the
 * client once that settles.
 */
export interface AnswerObserver {
  readonly observed: Observation;
  start(status: number, contentType: string, contentEncoding?: string): void;
  data(chunk: Buffer): void | Promise<void>;
  /** `complete` is false when the answer broke off; the outcome waits for a returned promise. */
  end(complete: boolean): void | Promise<void>;
}

/** JSON bodies up to this size are held and read at the end; larger ones are scanned as they pass. */
const JSON_PARSE_MAX = 256 * 1024;
/** A single SSE event larger than this is not inspected. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;
/** A compressed answer is watched until it has inflated to this much; past it, it only passes. */
const MAX_INFLATED_BYTES = 256 * 1024 * 1024;

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

/**
 * Called with a created response's id before the bytes that complete it go on to the client.
 * A returned promise holds those bytes until it settles (the routing record is committed).
 */
export type OnResponseId = (id: string) => void | Promise<void>;

export function observeAnswer(reader: AnswerReader, onResponseId?: OnResponseId): AnswerObserver {
  const observed: Observation = { stream: false };
  let mode: 'json' | 'sse' | 'array' | 'off' = 'off';
  /** A JSON array answer read element by element (reader.jsonArrayEvents). */
  let items: JsonArrayItems | undefined;
  let firstByteSeen = false;
  // JSON bodies up to JSON_PARSE_MAX are kept (as the chunks that passed) and read once at the
  // end (readHeld), which costs less than the streaming scanner's walk over every byte. A larger
  // body switches to that scanner, which keeps only the few fields read, so memory stays bounded.
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
    const { usage, malformed } = reader.readUsage(u);
    if (malformed) observed.malformedUsage = true;
    if (usage) observed.usage = usage;
  };
  /** What a stream event says: the first id seen is the created response's. */
  const fromEvent: AnswerSink = {
    responseId(id) {
      if (typeof id !== 'string' || observed.responseId) return;
      observed.responseId = id;
      sendId(id);
    },
    status(status) {
      if (typeof status === 'string') observed.status = status;
    },
    usage: takeUsage,
  };
  /** What a whole JSON body says. */
  const fromBody: AnswerSink = {
    responseId(id) {
      if (typeof id !== 'string') return;
      observed.responseId = id;
      sendId(id);
    },
    status: fromEvent.status,
    usage: takeUsage,
  };

  // Set when a stream starts: the event types (Responses) or the usage chunk (chat) to look for.
  let marker: Marker | undefined;

  const onEvent = (buf: Buffer, start: number, end: number, bare = false) => {
    if (!reader.wantsEvent(marker!, buf, start, end, observed)) return;
    let parsed: unknown;
    try {
      const event = buf.subarray(start, end);
      parsed = JSON.parse(bare ? event.toString('utf8') : eventData(event));
    } catch {
      return;
    }
    reader.readEvent(parsed, fromEvent);
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
      // (Taken across parts: with CRLF framing a part may be shorter than that.)
      const tail = lastBytes(pending, 3);
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
    const id = createdId!.inUnfinishedEvent.exec(text)?.[1];
    if (id) sendId(id);
  };

  // A created response's id must be recorded before the chunk that completes it passes. It is
  // the first field producers write, so the first chunk is searched from its start; when the id
  // is not complete in it, the streaming scanner takes over and finds it as it completes.
  const createdId = reader.createdId;
  const wantsId = createdId !== undefined && onResponseId !== undefined;
  const idKey = createdId ? [createdId.jsonKey] : [];
  const findHeldId = () => {
    const body = held[0]!;
    const span = scanTopLevel(body, idKey, 1).found.get(idKey[0]!);
    if (!span) return;
    try {
      sendId(decodeSpan(body, span));
    } catch {
      // not a JSON string: no id
    }
  };

  const scanJson = (chunk: Buffer) => {
    if (!firstByteSeen && reader.jsonArrayEvents) {
      const first = skipSpace(chunk, 0);
      if (first < chunk.length) {
        firstByteSeen = true;
        if (chunk[first] === LBRACKET) return startArray(chunk);
      }
    }
    if (!fields && heldBytes + chunk.length <= JSON_PARSE_MAX && (!wantsId || idSent || held.length === 0)) {
      held.push(chunk);
      heldBytes += chunk.length;
      if (wantsId && !idSent) findHeldId();
      return;
    }
    if (!fields) {
      fields = new TopLevelFields([...reader.jsonHead, ...reader.jsonTail]);
      for (const h of held) fields.write(h);
      held = [];
    }
    fields.write(chunk);
    if (wantsId && !idSent && fields.raw.has(idKey[0]!)) sendId(fields.value(idKey[0]!));
  };

  // A streamed JSON array: each element is an event (its marker checked as for SSE).
  const startArray = (chunk: Buffer) => {
    mode = 'array';
    observed.stream = true;
    marker = new Marker(reader.eventMarker);
    items = new JsonArrayItems((item) => onEvent(item, 0, item.length, true), MAX_EVENT_BYTES);
    for (const h of held) items.write(h);
    held = [];
    heldBytes = 0;
    items.write(chunk);
  };

  const scan = (chunk: Buffer) => {
    if (mode === 'sse') scanSse(chunk);
    else if (mode === 'json') scanJson(chunk);
    else if (mode === 'array') items!.write(chunk);
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
      const read = fields ? (key: string) => fields!.value(key) : readHeld(held, reader.jsonHead, reader.jsonTail);
      reader.readJson(read, fromBody);
    }
    mode = 'off';
    fields = undefined;
    items = undefined;
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
        marker = new Marker(reader.eventMarker);
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

/** The last `n` bytes of `parts` joined (fewer if they hold fewer). */
function lastBytes(parts: readonly Buffer[], n: number): Buffer {
  let i = parts.length - 1;
  let size = parts[i]!.length;
  while (size < n && i > 0) size += parts[--i]!.length;
  const joined = i === parts.length - 1 ? parts[i]! : Buffer.concat(parts.slice(i));
  return joined.subarray(Math.max(0, joined.length - n));
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

/** Watches an answer that arrives as whole events (WebSocket frames), one JSON document each. */
export interface EventObserver {
  readonly observed: Observation;
  /** A frame to pass; a returned promise holds it (and later ones) until the routing record is committed. */
  event(frame: Buffer): void | Promise<void>;
}

export function observeEvents(reader: AnswerReader, onResponseId?: OnResponseId): EventObserver {
  const observed: Observation = { stream: true };
  const marker = new Marker(reader.eventMarker);
  let gate: Promise<void> | undefined;
  const sink: AnswerSink = {
    responseId(id) {
      if (typeof id !== 'string' || observed.responseId) return;
      observed.responseId = id;
      const wait = onResponseId?.(id);
      if (wait) gate = wait;
    },
    status(status) {
      if (typeof status === 'string') observed.status = status;
    },
    usage(u) {
      const { usage, malformed } = reader.readUsage(u);
      if (malformed) observed.malformedUsage = true;
      if (usage) observed.usage = usage;
    },
  };
  return {
    observed,
    event(frame) {
      if (frame.length > MAX_EVENT_BYTES || !reader.wantsEvent(marker, frame, 0, frame.length, observed)) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(frame.toString('utf8'));
      } catch {
        return;
      }
      reader.readEvent(parsed, sink);
      const wait = gate;
      gate = undefined;
      return wait;
    },
  };
}
