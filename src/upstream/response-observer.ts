// Watches a response as its bytes pass (never delaying or changing them) and learns what the
// gateway needs from it: the id of a created response (for routing records), its status, and
// the token usage (for the request log), from a JSON body or from the SSE events that carry
// them (`response.created`, the terminal `response.completed`/`failed`/`incomplete`, or the
// chat `include_usage` chunk).
import type { ResponseTap } from './forward.js';
import { decodeSpan } from './json-scan.js';
import { findTopLevelAtEnds } from './json-scan-ends.js';
import { TopLevelFields } from './json-stream-scan.js';

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
}

export interface ResponseObserver extends ResponseTap {
  readonly observed: Observation;
}

/** JSON bodies up to this size are held and read at the end; larger ones are scanned as they pass. */
const JSON_PARSE_MAX = 256 * 1024;
/** A single SSE event larger than this is not inspected. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const RESPONSE_TYPE = Buffer.from('"type":"response.');
/** What follows RESPONSE_TYPE in the events that end a Responses stream. */
const TERMINAL = ['completed', 'failed', 'incomplete'].map((t) => Buffer.from(`${t}"`));
const CHAT_USAGE = Buffer.from('"usage":{');
// Producers write a Response's id and status first and usage last (chat and embeddings too).
const HEAD: Record<ObservedKind, readonly string[]> = { responses: ['id', 'status'], chat: [], embeddings: [] };
const TAIL = ['usage'];
const WANTED: Record<ObservedKind, readonly string[]> = { responses: ['id', 'status', 'usage'], chat: TAIL, embeddings: TAIL };

const count = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Reads Responses-style (`input_tokens`) or Chat-style (`prompt_tokens`) usage objects. */
export function parseUsage(u: unknown): Usage | undefined {
  if (!u || typeof u !== 'object') return undefined;
  const o = u as Record<string, any>;
  if ('input_tokens' in o || 'output_tokens' in o) {
    return {
      inputTokens: count(o.input_tokens),
      outputTokens: count(o.output_tokens),
      reasoningTokens: count(o.output_tokens_details?.reasoning_tokens),
      cachedTokens: count(o.input_tokens_details?.cached_tokens),
    };
  }
  if ('prompt_tokens' in o) {
    return {
      inputTokens: count(o.prompt_tokens),
      outputTokens: count(o.completion_tokens) ?? (o.total_tokens !== undefined ? 0 : null),
      reasoningTokens: count(o.completion_tokens_details?.reasoning_tokens),
      cachedTokens: count(o.prompt_tokens_details?.cached_tokens),
    };
  }
  return undefined;
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

export function observeResponse(kind: ObservedKind, onResponseId?: (id: string) => void): ResponseObserver {
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

  const setId = (id: unknown) => {
    if (typeof id !== 'string' || observed.responseId) return;
    observed.responseId = id;
    onResponseId?.(id);
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
      setId(response.id);
      if (typeof response.status === 'string') observed.status = response.status;
      const usage = parseUsage(response.usage);
      if (usage) observed.usage = usage;
    } else {
      const usage = parseUsage(parsed?.usage);
      if (usage) observed.usage = usage;
    }
  };

  const scanSse = (chunk: Buffer) => {
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

  return {
    observed,
    start(status, contentType) {
      observed.httpStatus = status;
      if (contentType.startsWith('text/event-stream')) {
        observed.stream = true;
        mode = status >= 200 && status < 300 ? 'sse' : 'off';
        marker = new Marker(kind === 'responses' ? RESPONSE_TYPE : CHAT_USAGE);
      } else if (contentType.includes('json') && status >= 200 && status < 300) mode = 'json';
      return true;
    },
    data(chunk) {
      if (mode === 'sse') scanSse(chunk);
      else if (mode !== 'json') return;
      else if (fields) fields.write(chunk);
      else if (heldBytes + chunk.length <= JSON_PARSE_MAX) {
        held.push(chunk);
        heldBytes += chunk.length;
      } else {
        fields = new TopLevelFields(WANTED[kind]);
        for (const h of held) fields.write(h);
        fields.write(chunk);
        held = [];
      }
    },
    end(complete) {
      // A JSON answer counts only if it arrived whole, as the client saw it.
      if (mode === 'json' && complete) {
        const read = fields ? (key: string) => fields!.value(key) : readHeld(held, HEAD[kind], TAIL);
        if (kind === 'responses') {
          setId(read('id'));
          const status = read('status');
          if (typeof status === 'string') observed.status = status;
        }
        observed.usage = parseUsage(read('usage'));
      }
      mode = 'off';
      fields = undefined;
      held = [];
      pending = [];
      pendingBytes = 0;
    },
  };
}
