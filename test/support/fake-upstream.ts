/**
 * A fake OpenAI upstream for tests.
 *
 * Speaks the OpenAI wire format (see /work/shared/spec/wire-contract.md) for the Responses API,
 * Chat Completions, Embeddings and Models, records every request byte-for-byte, records every
 * response body byte it writes, and can inject faults (errors, slow headers, connection resets,
 * truncated bodies/streams, huge bodies). Built on node:http only.
 */
import http from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { clearTimeout, setTimeout } from 'node:timers';

export interface RecordedRequest {
  method: string;
  /** raw path+query exactly as received */
  url: string;
  headers: IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
}

export interface Fault {
  /** which requests (matched against the url path without query; a string must match exactly); default all */
  path?: string | RegExp;
  /** how many matching requests it applies to; default Infinity */
  times?: number;
  /** answer with this instead (status defaults to 500 when only body is given) */
  status?: number;
  body?: string;
  headers?: Record<string, string>;
  /** wait before sending headers (then answer normally or with status/body) */
  slowHeadersMs?: number;
  /** destroy the socket (TCP RST) without answering */
  resetBeforeHeaders?: boolean;
  /** JSON answers: send headers + this many bytes of the body, then destroy the socket */
  resetMidBodyAfterBytes?: number;
  /** SSE answers: send N events then destroy the socket */
  resetMidStreamAfterEvents?: number;
  /** answer 200 application/json with a valid JSON body of about this size (streamed in 64 KiB chunks) */
  hugeBodyBytes?: number;
}

export interface FakeUpstreamOptions {
  /** default 'sk-upstream-secret-0123456789' */
  apiKey?: string;
  /** pacing between SSE events, default 5 */
  eventDelayMs?: number;
  /** background responses: queued -> in_progress after 1 step, -> completed after 2 steps; default 50 */
  backgroundStepMs?: number;
  /** output_text deltas per streamed response, default 5 */
  textDeltas?: number;
  usage?: { input_tokens: number; output_tokens: number; reasoning_tokens?: number; cached_tokens?: number };
  /**
   * Responses: a last user message `call <tool name> <JSON arguments>` is answered with that
   * function call (as an agent's model would), and input ending with a `function_call_output`
   * with `Echo: <output>`. Off by default.
   */
  toolCalls?: boolean;
}

export interface FakeUpstream {
  /** 'http://127.0.0.1:<port>/v1' */
  url: string;
  port: number;
  apiKey: string;
  requests: RecordedRequest[];
  /** every byte written as a response body, keyed by `${method} ${url}` of the LAST such request */
  sentBodies: Map<string, Buffer>;
  /** body of the response whose headers were sent most recently */
  lastSentBody(): Buffer | undefined;
  /** requests whose client socket closed before the fake finished answering */
  aborts: { url: string; at: number }[];
  /** resolves with the next abort not yet returned by an earlier call (immediately if one is pending) */
  waitForAbort(timeoutMs?: number): Promise<{ url: string; at: number }>;
  setFault(f: Fault | null): void;
  /** stored Response objects by id (current state) */
  responses: Map<string, unknown>;
  openConnections(): number;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

interface Ctx {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  url: string;
  key: string;
  path: string;
  query: URLSearchParams;
  start: number;
  requestId: string;
  closed: boolean;
  ended: boolean;
  selfDestroyed: boolean;
  sleeps: Set<{ timer: ReturnType<typeof setTimeout>; resolve: (ok: boolean) => void }>;
  extraHeaders: Record<string, string>;
}

interface StoredResponse {
  id: string;
  body: Json;
  createdAt: number;
  background: boolean;
  text: string;
  inputItems: Json[];
  outputItemId: string;
  /** Set when the answer is a function call instead of a message. */
  call?: { name: string; arguments: string; callId: string };
  current: Json;
  events: Buffer[] | null;
  timers: ReturnType<typeof setTimeout>[];
}

type SseAnswer = {
  kind: 'sse';
  events: Buffer[];
  onEvent?: (index: number) => void;
  onEnd?: () => void;
  onAbort?: () => void;
};
type Answer = { kind: 'json'; status: number; body: unknown } | SseAnswer | { kind: 'none' };

const CHUNK = 64 * 1024;
const MODELS = [
  { id: 'gpt-4.1', created: 1744316542 },
  { id: 'gpt-4.1-mini', created: 1744318173 },
  { id: 'gpt-5', created: 1754425777 },
  { id: 'gpt-5-mini', created: 1754425928 },
  { id: 'o4-mini', created: 1744225351 },
  { id: 'text-embedding-3-small', created: 1705948997 },
];

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const newId = (prefix: string): string => `${prefix}_${hex(12)}`;
const nowS = (): number => Math.floor(Date.now() / 1000);
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const words = (s: string): number => s.split(/\s+/).filter(Boolean).length;

function errorBody(message: string, type: string, param: string | null, code: string | null): Json {
  return { error: { message, type, param, code } };
}
const invalid = (message: string, param: string | null = null, code: string | null = null): Answer => ({
  kind: 'json',
  status: 400,
  body: errorBody(message, 'invalid_request_error', param, code),
});
const notFound = (id: string): Answer => ({
  kind: 'json',
  status: 404,
  body: errorBody(`Response with id '${id}' not found.`, 'invalid_request_error', null, null),
});
const ok = (body: unknown): Answer => ({ kind: 'json', status: 200, body });

function defaultFaultBody(status: number): Json {
  if (status === 429) {
    return errorBody('Rate limit reached for requests. Please try again later.', 'requests', null, 'rate_limit_exceeded');
  }
  if (status === 503) {
    return errorBody('The engine is currently overloaded, please try again later', 'server_error', null, null);
  }
  if (status >= 500) {
    return errorBody('The server had an error while processing your request. Sorry about that!', 'server_error', null, null);
  }
  return errorBody(`Fake upstream fault (HTTP ${status})`, 'invalid_request_error', null, null);
}

/** Split text into exactly n parts (by code point), as evenly as possible. */
function splitText(text: string, n: number): string[] {
  const chars = Array.from(text);
  const parts: string[] = [];
  const count = Math.max(1, Math.floor(n));
  for (let i = 0; i < count; i++) {
    parts.push(chars.slice(Math.floor((i * chars.length) / count), Math.floor(((i + 1) * chars.length) / count)).join(''));
  }
  return parts;
}

function partText(part: unknown): string {
  if (typeof part === 'string') return part;
  if (isObj(part) && typeof part.text === 'string') return part.text;
  return '';
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) return content.map(partText).filter(Boolean).join(' ');
  return '';
}

/** Normalise Responses `input` into stored input items; return the last user text and all text. */
function normalizeInput(input: unknown): { items: Json[]; lastUser: string; allText: string } {
  const items: Json[] = [];
  let lastUser = '';
  const texts: string[] = [];
  if (typeof input === 'string') {
    items.push({ id: newId('msg'), type: 'message', role: 'user', status: 'completed', content: [{ type: 'input_text', text: input }] });
    return { items, lastUser: input, allText: input };
  }
  if (!Array.isArray(input)) return { items, lastUser, allText: '' };
  for (const el of input) {
    if (!isObj(el)) continue;
    const isMessage = el.type === 'message' || (el.type === undefined && typeof el.role === 'string');
    if (isMessage) {
      const role = typeof el.role === 'string' ? el.role : 'user';
      const text = contentText(el.content);
      texts.push(text);
      if (role === 'user') lastUser = text;
      const content =
        typeof el.content === 'string'
          ? [{ type: role === 'assistant' ? 'output_text' : 'input_text', text: el.content }]
          : Array.isArray(el.content)
            ? el.content
            : [];
      items.push({ id: typeof el.id === 'string' ? el.id : newId('msg'), type: 'message', role, status: 'completed', content });
    } else {
      const prefix = typeof el.type === 'string' ? el.type.replace(/[^a-z]/g, '').slice(0, 4) || 'item' : 'item';
      items.push({ ...el, id: typeof el.id === 'string' ? el.id : newId(prefix) });
    }
  }
  return { items, lastUser, allText: texts.join(' ') };
}

function sseEvent(type: string, data: Json): Buffer {
  return Buffer.from(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
}

export async function startFakeUpstream(opts: FakeUpstreamOptions = {}): Promise<FakeUpstream> {
  const apiKey = opts.apiKey ?? 'sk-upstream-secret-0123456789';
  const eventDelayMs = opts.eventDelayMs ?? 5;
  const backgroundStepMs = opts.backgroundStepMs ?? 50;
  const textDeltas = opts.textDeltas ?? 5;
  const usageOpt = opts.usage ?? { input_tokens: 10, output_tokens: 5 };

  const requests: RecordedRequest[] = [];
  const sentBodies = new Map<string, Buffer>();
  let lastSentKey: string | undefined;
  const aborts: { url: string; at: number }[] = [];
  let abortCursor = 0;
  const abortWaiters: {
    resolve: (a: { url: string; at: number }) => void;
    reject: (e: Error) => void;
    timer: ReturnType<typeof setTimeout>;
  }[] = [];
  const responses = new Map<string, unknown>();
  const stored = new Map<string, StoredResponse>();
  const contexts = new Set<Ctx>();
  const sockets = new Set<Socket>();
  let fault: (Fault & { remaining: number }) | null = null;
  let closing = false;
  let closePromise: Promise<void> | null = null;

  // ---------- per-request helpers ----------

  function closeCtx(ctx: Ctx): void {
    if (ctx.closed) return;
    ctx.closed = true;
    for (const s of ctx.sleeps) {
      clearTimeout(s.timer);
      s.resolve(false);
    }
    ctx.sleeps.clear();
    contexts.delete(ctx);
  }

  /** Resolves true after ms, or false as soon as the request's socket closes (timer cleared). */
  function sleep(ctx: Ctx, ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      if (ctx.closed) return resolve(false);
      const entry = {
        timer: setTimeout(() => {
          ctx.sleeps.delete(entry);
          resolve(!ctx.closed);
        }, ms),
        resolve,
      };
      ctx.sleeps.add(entry);
    });
  }

  function recordAbort(ctx: Ctx): void {
    const entry = { url: ctx.url, at: performance.now() };
    aborts.push(entry);
    const waiter = abortWaiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      abortCursor++;
      waiter.resolve(entry);
    }
  }

  function destroySocket(ctx: Ctx, rst: boolean): void {
    ctx.selfDestroyed = true;
    const socket = ctx.req.socket;
    if (rst && typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
    else socket.destroy();
    closeCtx(ctx);
  }

  function baseHeaders(ctx: Ctx): Record<string, string> {
    return {
      'x-request-id': ctx.requestId,
      'openai-processing-ms': String(Math.max(1, Math.round(performance.now() - ctx.start))),
      'openai-version': '2020-10-01',
      'x-ratelimit-limit-requests': '10000',
      'x-ratelimit-remaining-requests': '9999',
      'set-cookie': '__cf_bm=fake; Path=/; HttpOnly',
    };
  }

  /** Write one chunk, recording it; waits for 'drain' on backpressure. Resolves false if the socket closed. */
  async function write(ctx: Ctx, planned: Buffer, from: number, to: number): Promise<boolean> {
    if (ctx.closed) return false;
    sentBodies.set(ctx.key, planned.subarray(0, to));
    const flushed = ctx.res.write(planned.subarray(from, to));
    if (!flushed && !ctx.closed) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          ctx.res.off('drain', done);
          ctx.res.off('close', done);
          resolve();
        };
        ctx.res.on('drain', done);
        ctx.res.on('close', done);
      });
    }
    return !ctx.closed;
  }

  function startBody(ctx: Ctx, status: number, headers: Record<string, string>): void {
    ctx.res.writeHead(status, { ...baseHeaders(ctx), ...headers, ...ctx.extraHeaders });
    sentBodies.set(ctx.key, Buffer.alloc(0));
    lastSentKey = ctx.key;
  }

  function finish(ctx: Ctx): void {
    if (ctx.closed) return;
    ctx.ended = true;
    ctx.res.end();
  }

  async function sendJsonBuffer(ctx: Ctx, status: number, buf: Buffer, contentType: string, cutAfter?: number): Promise<void> {
    if (ctx.closed) return;
    startBody(ctx, status, { 'content-type': contentType, 'content-length': String(buf.length) });
    if (cutAfter !== undefined) ctx.res.flushHeaders();
    const limit = cutAfter === undefined ? buf.length : Math.max(0, Math.min(cutAfter, buf.length));
    if (cutAfter === undefined && buf.length <= CHUNK) {
      sentBodies.set(ctx.key, buf);
      ctx.ended = true;
      ctx.res.end(buf);
      return;
    }
    for (let off = 0; off < limit; off += CHUNK) {
      if (!(await write(ctx, buf, off, Math.min(off + CHUNK, limit)))) return;
    }
    if (cutAfter !== undefined) {
      // give the bytes a moment to leave before cutting the connection
      await sleep(ctx, 5);
      if (!ctx.closed) destroySocket(ctx, false);
      return;
    }
    finish(ctx);
  }

  async function sendSse(ctx: Ctx, answer: SseAnswer, cutAfterEvents?: number): Promise<void> {
    if (ctx.closed) return;
    startBody(ctx, 200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    ctx.res.flushHeaders();
    const planned = Buffer.concat(answer.events);
    let off = 0;
    let aborted = false;
    const onClose = (): void => {
      if (!ctx.ended && !ctx.selfDestroyed) aborted = true;
    };
    ctx.res.once('close', onClose);
    try {
      for (let i = 0; i < answer.events.length; i++) {
        if (cutAfterEvents !== undefined && i >= cutAfterEvents) break;
        if (i > 0 && eventDelayMs > 0 && !(await sleep(ctx, eventDelayMs))) break;
        const ev = answer.events[i] as Buffer;
        if (!(await write(ctx, planned, off, off + ev.length))) break;
        off += ev.length;
        answer.onEvent?.(i);
      }
      if (ctx.closed) {
        if (aborted || ctx.selfDestroyed) answer.onAbort?.();
        return;
      }
      if (cutAfterEvents !== undefined) {
        await sleep(ctx, 5);
        if (!ctx.closed) destroySocket(ctx, false);
        answer.onAbort?.();
        return;
      }
      finish(ctx);
      answer.onEnd?.();
    } finally {
      ctx.res.off('close', onClose);
    }
  }

  // ---------- Responses ----------

  function usageObj(): Json {
    return {
      input_tokens: usageOpt.input_tokens,
      input_tokens_details: { cached_tokens: usageOpt.cached_tokens ?? 0 },
      output_tokens: usageOpt.output_tokens,
      output_tokens_details: { reasoning_tokens: usageOpt.reasoning_tokens ?? 0 },
      total_tokens: usageOpt.input_tokens + usageOpt.output_tokens,
    };
  }

  function outputItem(rec: StoredResponse, done: boolean): Json {
    if (rec.call) {
      const { name, arguments: args, callId } = rec.call;
      return { type: 'function_call', id: rec.outputItemId, status: done ? 'completed' : 'in_progress', call_id: callId, name, arguments: done ? args : '' };
    }
    return {
      type: 'message',
      id: rec.outputItemId,
      status: done ? 'completed' : 'in_progress',
      role: 'assistant',
      content: done ? [{ type: 'output_text', text: rec.text, annotations: [] }] : [],
    };
  }

  function responseObj(rec: StoredResponse, status: string): Json {
    const b = rec.body;
    const completed = status === 'completed';
    return {
      id: rec.id,
      object: 'response',
      created_at: rec.createdAt,
      status,
      background: rec.background,
      error: null,
      incomplete_details: null,
      instructions: b.instructions ?? null,
      max_output_tokens: b.max_output_tokens ?? null,
      metadata: b.metadata ?? {},
      model: b.model,
      output: completed ? [outputItem(rec, true)] : [],
      parallel_tool_calls: b.parallel_tool_calls ?? true,
      previous_response_id: b.previous_response_id ?? null,
      reasoning: b.reasoning ?? { effort: null, summary: null },
      store: b.store ?? true,
      temperature: b.temperature ?? 1,
      text: b.text ?? { format: { type: 'text' } },
      tool_choice: b.tool_choice ?? 'auto',
      tools: Array.isArray(b.tools) ? b.tools : [],
      top_p: b.top_p ?? 1,
      truncation: b.truncation ?? 'disabled',
      usage: completed ? usageObj() : null,
      user: b.user ?? null,
    };
  }

  function setCurrent(rec: StoredResponse, obj: Json): void {
    rec.current = obj;
    if (stored.has(rec.id)) responses.set(rec.id, obj);
  }

  function buildEvents(rec: StoredResponse, status: string): Buffer[] {
    const out: Buffer[] = [];
    let seq = 0;
    const push = (type: string, fields: Json): void => {
      out.push(sseEvent(type, { type, sequence_number: seq++, ...fields }));
    };
    const ids = { item_id: rec.outputItemId, output_index: 0, content_index: 0 };
    push('response.created', { response: responseObj(rec, rec.background ? 'queued' : 'in_progress') });
    push('response.in_progress', { response: responseObj(rec, 'in_progress') });
    if (status !== 'completed') return out; // e.g. a cancelled background response: nothing more to replay
    push('response.output_item.added', { output_index: 0, item: outputItem(rec, false) });
    if (rec.call) {
      const fc = { item_id: rec.outputItemId, output_index: 0 };
      push('response.function_call_arguments.delta', { ...fc, delta: rec.call.arguments });
      push('response.function_call_arguments.done', { ...fc, name: rec.call.name, arguments: rec.call.arguments });
      push('response.output_item.done', { output_index: 0, item: outputItem(rec, true) });
      push('response.completed', { response: responseObj(rec, 'completed') });
      return out;
    }
    push('response.content_part.added', { ...ids, part: { type: 'output_text', text: '', annotations: [] } });
    for (const delta of splitText(rec.text, textDeltas)) {
      push('response.output_text.delta', { ...ids, delta, logprobs: [] });
    }
    push('response.output_text.done', { ...ids, text: rec.text, logprobs: [] });
    push('response.content_part.done', { ...ids, part: { type: 'output_text', text: rec.text, annotations: [] } });
    push('response.output_item.done', { output_index: 0, item: outputItem(rec, true) });
    push('response.completed', { response: responseObj(rec, 'completed') });
    return out;
  }

  function complete(rec: StoredResponse): void {
    for (const t of rec.timers) clearTimeout(t);
    rec.timers = [];
    setCurrent(rec, responseObj(rec, 'completed'));
  }

  function createResponse(body: Json): Answer {
    if (typeof body.model !== 'string' || body.model === '') {
      return invalid("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
    }
    const prev = body.previous_response_id;
    if (prev !== undefined && prev !== null && (typeof prev !== 'string' || !stored.has(prev))) {
      return invalid(`Previous response with id '${String(prev)}' not found.`, 'previous_response_id', 'previous_response_not_found');
    }
    const { items, lastUser } = normalizeInput(body.input);
    const background = body.background === true;
    let text = `Echo: ${lastUser}`;
    let call: StoredResponse['call'];
    if (opts.toolCalls) {
      const last = Array.isArray(body.input) ? (body.input.at(-1) as unknown) : { role: 'user' };
      const asked = /^call (\S+) (\{[\s\S]*\})$/.exec(lastUser);
      if (isObj(last) && last.type === 'function_call_output') text = `Echo: ${typeof last.output === 'string' ? last.output : contentText(last.output)}`;
      else if (asked && isObj(last) && last.role === 'user') call = { name: asked[1]!, arguments: asked[2]!, callId: newId('call') };
    }
    const rec: StoredResponse = {
      id: `resp_${hex(12)}`,
      body,
      createdAt: nowS(),
      background,
      text,
      inputItems: items,
      outputItemId: newId(call ? 'fc' : 'msg'),
      call,
      current: {},
      events: null,
      timers: [],
    };
    if (body.store !== false || background) stored.set(rec.id, rec);

    if (body.stream === true) {
      rec.events = buildEvents(rec, 'completed');
      setCurrent(rec, responseObj(rec, background ? 'queued' : 'in_progress'));
      return {
        kind: 'sse',
        events: rec.events,
        onEvent: (i) => {
          if (i === 1 && rec.current.status === (background ? 'queued' : 'in_progress')) setCurrent(rec, responseObj(rec, 'in_progress'));
        },
        onEnd: () => {
          if (rec.current.status !== 'cancelled') complete(rec);
        },
        // generation carries on server-side when the client goes away
        onAbort: () => {
          if (rec.current.status !== 'cancelled') complete(rec);
        },
      };
    }
    if (background) {
      setCurrent(rec, responseObj(rec, 'queued'));
      const first = responseObj(rec, 'queued');
      rec.timers.push(
        setTimeout(() => {
          if (rec.current.status === 'queued') setCurrent(rec, responseObj(rec, 'in_progress'));
        }, backgroundStepMs),
        setTimeout(() => {
          if (rec.current.status === 'queued' || rec.current.status === 'in_progress') complete(rec);
        }, 2 * backgroundStepMs),
      );
      return ok(first);
    }
    const done = responseObj(rec, 'completed');
    setCurrent(rec, done);
    return ok(done);
  }

  function liveRecord(id: string): StoredResponse | undefined {
    return stored.get(id);
  }

  async function retrieveResponse(ctx: Ctx, id: string): Promise<Answer> {
    const rec = liveRecord(id);
    if (!rec) return notFound(id);
    if (ctx.query.get('stream') !== 'true') return ok(rec.current);
    // SSE replay: wait until a background response has finished (bounded by its timeline)
    while (rec.current.status === 'queued' || (rec.current.status === 'in_progress' && rec.events === null)) {
      if (!(await sleep(ctx, Math.max(1, Math.min(10, backgroundStepMs))))) return { kind: 'none' };
      if (!stored.has(id)) return notFound(id);
    }
    if (rec.events === null) rec.events = buildEvents(rec, String(rec.current.status));
    const startingAfter = Number.parseInt(ctx.query.get('starting_after') ?? '', 10);
    const events = Number.isFinite(startingAfter) ? rec.events.slice(Math.max(0, startingAfter + 1)) : rec.events;
    return { kind: 'sse', events };
  }

  function deleteResponse(id: string): Answer {
    const rec = liveRecord(id);
    if (!rec) return notFound(id);
    for (const t of rec.timers) clearTimeout(t);
    rec.timers = [];
    stored.delete(id);
    responses.delete(id);
    return ok({ id, object: 'response.deleted', deleted: true });
  }

  function cancelResponse(id: string): Answer {
    const rec = liveRecord(id);
    if (!rec) return notFound(id);
    if (!rec.background) return invalid('Cannot cancel a synchronous response.');
    const status = rec.current.status;
    if (status === 'queued' || status === 'in_progress') {
      for (const t of rec.timers) clearTimeout(t);
      rec.timers = [];
      setCurrent(rec, responseObj(rec, 'cancelled'));
    }
    return ok(rec.current);
  }

  function listInputItems(ctx: Ctx, id: string): Answer {
    const rec = liveRecord(id);
    if (!rec) return notFound(id);
    const limitRaw = ctx.query.get('limit');
    let limit = 20;
    if (limitRaw !== null) {
      if (!/^-?\d+$/.test(limitRaw)) {
        return invalid(`Invalid 'limit': expected an integer, but got '${limitRaw}' instead.`, 'limit', 'invalid_type');
      }
      limit = Number(limitRaw);
      if (limit < 1) {
        return invalid(`Invalid 'limit': integer below minimum value. Expected a value >= 1, but got ${limit} instead.`, 'limit', 'integer_below_min_value');
      }
      if (limit > 100) {
        return invalid(`Invalid 'limit': integer above maximum value. Expected a value <= 100, but got ${limit} instead.`, 'limit', 'integer_above_max_value');
      }
    }
    const order = ctx.query.get('order') ?? 'desc';
    if (order !== 'asc' && order !== 'desc') {
      return invalid(`Invalid value: '${order}'. Supported values are: 'asc' and 'desc'.`, 'order', 'invalid_value');
    }
    let list = order === 'asc' ? [...rec.inputItems] : [...rec.inputItems].reverse();
    const after = ctx.query.get('after');
    const before = ctx.query.get('before');
    if (after !== null) {
      const idx = list.findIndex((it) => it.id === after);
      if (idx < 0) return invalid(`Invalid 'after': item '${after}' not found.`, 'after');
      list = list.slice(idx + 1);
    }
    if (before !== null) {
      const idx = list.findIndex((it) => it.id === before);
      if (idx < 0) return invalid(`Invalid 'before': item '${before}' not found.`, 'before');
      list = list.slice(0, idx);
    }
    const data = list.slice(0, limit);
    return ok({
      object: 'list',
      data,
      first_id: data[0]?.id ?? null,
      last_id: data[data.length - 1]?.id ?? null,
      has_more: list.length > limit,
    });
  }

  function inputTokens(body: Json): Answer {
    const { allText } = normalizeInput(body.input);
    return ok({ object: 'response.input_tokens', input_tokens: words(allText) });
  }

  function compact(body: Json): Answer {
    if (typeof body.model !== 'string' || body.model === '') {
      return invalid("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
    }
    const { items } = normalizeInput(body.input);
    const userItems = items.filter((it) => it.type === 'message' && it.role === 'user');
    const id = `cmp_${hex(12)}`;
    return ok({
      id,
      object: 'response.compaction',
      created_at: nowS(),
      output: [
        ...userItems,
        { type: 'compaction', id: newId('cmp'), encrypted_content: Buffer.from(`fake-compaction:${items.length}`).toString('base64') },
      ],
      usage: usageObj(),
    });
  }

  // ---------- Chat Completions ----------

  function chatCompletions(body: Json): Answer {
    if (typeof body.model !== 'string' || body.model === '') {
      return invalid("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
    }
    if (!Array.isArray(body.messages)) {
      return invalid("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
    }
    let lastUser = '';
    for (const m of body.messages) {
      if (isObj(m) && m.role === 'user') lastUser = contentText(m.content);
    }
    const text = `Echo: ${lastUser}`;
    const id = `chatcmpl-${hex(12)}`;
    const created = nowS();
    const model = body.model;
    const usage = {
      prompt_tokens: usageOpt.input_tokens,
      completion_tokens: usageOpt.output_tokens,
      total_tokens: usageOpt.input_tokens + usageOpt.output_tokens,
      prompt_tokens_details: { cached_tokens: usageOpt.cached_tokens ?? 0, audio_tokens: 0 },
      completion_tokens_details: {
        reasoning_tokens: usageOpt.reasoning_tokens ?? 0,
        audio_tokens: 0,
        accepted_prediction_tokens: 0,
        rejected_prediction_tokens: 0,
      },
    };
    if (body.stream !== true) {
      return ok({
        id,
        object: 'chat.completion',
        created,
        model,
        choices: [
          {
            index: 0,
            message: { role: 'assistant', content: text, refusal: null, annotations: [] },
            logprobs: null,
            finish_reason: 'stop',
          },
        ],
        usage,
        service_tier: 'default',
        system_fingerprint: null,
      });
    }
    const includeUsage = isObj(body.stream_options) && body.stream_options.include_usage === true;
    const chunk = (choices: unknown[], extra: Json = {}): Buffer =>
      Buffer.from(
        `data: ${JSON.stringify({
          id,
          object: 'chat.completion.chunk',
          created,
          model,
          service_tier: 'default',
          system_fingerprint: null,
          choices,
          ...(includeUsage ? { usage: null } : {}),
          ...extra,
        })}\n\n`,
      );
    const choice = (delta: Json, finish: string | null): Json => ({ index: 0, delta, logprobs: null, finish_reason: finish });
    const events: Buffer[] = [chunk([choice({ role: 'assistant', content: '', refusal: null }, null)])];
    for (const part of splitText(text, textDeltas)) events.push(chunk([choice({ content: part }, null)]));
    events.push(chunk([choice({}, 'stop')]));
    if (includeUsage) events.push(chunk([], { usage }));
    events.push(Buffer.from('data: [DONE]\n\n'));
    return { kind: 'sse', events };
  }

  // ---------- Embeddings ----------

  function embeddings(body: Json): Answer {
    if (typeof body.model !== 'string' || body.model === '') {
      return invalid("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
    }
    const raw = body.input;
    let inputs: string[];
    if (typeof raw === 'string') inputs = [raw];
    else if (Array.isArray(raw) && raw.length > 0 && raw.every((x) => typeof x === 'string')) inputs = raw as string[];
    else if (Array.isArray(raw) && raw.length > 0 && raw.every((x) => typeof x === 'number')) inputs = [JSON.stringify(raw)];
    else if (Array.isArray(raw) && raw.length > 0 && raw.every((x) => Array.isArray(x))) inputs = raw.map((x) => JSON.stringify(x));
    else if (raw === undefined) return invalid("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
    else return invalid("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.", 'input');
    const format = body.encoding_format ?? 'float';
    if (format !== 'float' && format !== 'base64') {
      return invalid(`Invalid value: '${String(format)}'. Supported values are: 'float' and 'base64'.`, 'encoding_format', 'invalid_value');
    }
    const dims = typeof body.dimensions === 'number' && body.dimensions >= 1 && body.dimensions <= 256 ? Math.floor(body.dimensions) : 8;
    const data = inputs.map((text, index) => {
      const vec = embed(text, dims);
      let embedding: number[] | string = vec;
      if (format === 'base64') {
        const buf = Buffer.alloc(dims * 4);
        vec.forEach((v, i) => buf.writeFloatLE(v, i * 4));
        embedding = buf.toString('base64');
      }
      return { object: 'embedding', index, embedding };
    });
    const tokens = inputs.reduce((n, s) => n + Math.max(1, words(s)), 0);
    return ok({ object: 'list', data, model: body.model, usage: { prompt_tokens: tokens, total_tokens: tokens } });
  }

  // ---------- routing ----------

  async function route(ctx: Ctx, rawBody: Buffer): Promise<Answer> {
    const auth = ctx.req.headers.authorization;
    if (auth !== `Bearer ${apiKey}`) {
      if (auth === undefined || auth.trim() === '' || auth.trim() === 'Bearer') {
        return {
          kind: 'json',
          status: 401,
          body: errorBody(
            "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            'invalid_request_error',
            null,
            null,
          ),
        };
      }
      const given = auth.replace(/^Bearer\s+/i, '');
      return {
        kind: 'json',
        status: 401,
        body: errorBody(`Incorrect API key provided: ${given.slice(0, 3)}***.`, 'invalid_request_error', null, 'invalid_api_key'),
      };
    }
    const { method, path } = ctx;
    const withBody = (fn: (b: Json) => Answer): Answer => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(rawBody.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      if (!isObj(parsed)) {
        return invalid(
          "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
        );
      }
      return fn(parsed);
    };

    if (method === 'POST' && path === '/v1/responses') return withBody(createResponse);
    if (method === 'POST' && path === '/v1/responses/input_tokens') return withBody(inputTokens);
    if (method === 'POST' && path === '/v1/responses/compact') return withBody(compact);
    if (method === 'POST' && path === '/v1/chat/completions') return withBody(chatCompletions);
    if (method === 'POST' && path === '/v1/embeddings') return withBody(embeddings);
    if (method === 'GET' && path === '/v1/models') {
      return ok({ object: 'list', data: MODELS.map((m) => ({ id: m.id, object: 'model', created: m.created, owned_by: 'openai' })) });
    }
    let m = /^\/v1\/models\/([^/]+)$/.exec(path);
    if (method === 'GET' && m) {
      const id = decodeURIComponent(m[1] ?? '');
      const model = MODELS.find((x) => x.id === id);
      if (!model) {
        return { kind: 'json', status: 404, body: errorBody(`The model '${id}' does not exist`, 'invalid_request_error', 'model', 'model_not_found') };
      }
      return ok({ id: model.id, object: 'model', created: model.created, owned_by: 'openai' });
    }
    m = /^\/v1\/responses\/([^/]+)(\/cancel|\/input_items)?$/.exec(path);
    if (m) {
      const id = decodeURIComponent(m[1] ?? '');
      const sub = m[2];
      if (sub === undefined && method === 'GET') return retrieveResponse(ctx, id);
      if (sub === undefined && method === 'DELETE') return deleteResponse(id);
      if (sub === '/cancel' && method === 'POST') return cancelResponse(id);
      if (sub === '/input_items' && method === 'GET') return listInputItems(ctx, id);
    }
    return {
      kind: 'json',
      status: 404,
      body: errorBody(`Invalid URL (${method} ${path})`, 'invalid_request_error', null, null),
    };
  }

  function takeFault(path: string): Fault | null {
    const f = fault;
    if (!f) return null;
    if (f.path !== undefined) {
      const matches = typeof f.path === 'string' ? f.path === path : f.path.test(path);
      if (!matches) return null;
    }
    f.remaining -= 1;
    if (f.remaining <= 0) fault = null;
    return f;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const parsed = new URL(url, 'http://fake.invalid');
    const ctx: Ctx = {
      req,
      res,
      method: req.method ?? 'GET',
      url,
      key: `${req.method ?? 'GET'} ${url}`,
      path: parsed.pathname,
      query: parsed.searchParams,
      start: performance.now(),
      requestId: `req_${hex(16)}`,
      closed: false,
      ended: false,
      selfDestroyed: false,
      sleeps: new Set(),
      extraHeaders: {},
    };
    contexts.add(ctx);
    req.on('error', () => {});
    res.on('error', () => {});
    res.on('close', () => {
      const wasOpen = !ctx.closed;
      closeCtx(ctx);
      if (wasOpen && !ctx.ended && !ctx.selfDestroyed && !closing) recordAbort(ctx);
    });

    const chunks: Buffer[] = [];
    const complete = await new Promise<boolean>((resolve) => {
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(true));
      res.on('close', () => resolve(false));
    });
    const body = Buffer.concat(chunks);
    requests.push({ method: ctx.method, url, headers: req.headers, rawHeaders: req.rawHeaders, body });
    if (!complete || ctx.closed) return;

    const f = takeFault(ctx.path);
    if (f?.headers) ctx.extraHeaders = { ...f.headers };
    if (f?.slowHeadersMs !== undefined && f.slowHeadersMs > 0) {
      if (!(await sleep(ctx, f.slowHeadersMs))) return;
    }
    if (f?.resetBeforeHeaders) {
      destroySocket(ctx, true);
      return;
    }
    if (f && (f.status !== undefined || f.body !== undefined)) {
      const status = f.status ?? 500;
      const buf = Buffer.from(f.body ?? JSON.stringify(defaultFaultBody(status)));
      await sendJsonBuffer(ctx, status, buf, 'application/json', f.resetMidBodyAfterBytes);
      return;
    }
    if (f?.hugeBodyBytes !== undefined) {
      const head = Buffer.from('{"object":"fake.huge","padding":"');
      const tail = Buffer.from('"}');
      const size = Math.max(head.length + tail.length, Math.floor(f.hugeBodyBytes));
      const buf = Buffer.alloc(size, 0x61);
      head.copy(buf, 0);
      tail.copy(buf, size - tail.length);
      await sendJsonBuffer(ctx, 200, buf, 'application/json', f.resetMidBodyAfterBytes);
      return;
    }
    const answer = await route(ctx, body);
    if (ctx.closed || answer.kind === 'none') return;
    if (answer.kind === 'sse') {
      await sendSse(ctx, answer, f?.resetMidStreamAfterEvents);
      return;
    }
    await sendJsonBuffer(ctx, answer.status, Buffer.from(JSON.stringify(answer.body)), 'application/json', f?.resetMidBodyAfterBytes);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const ctxRes = res;
      if (ctxRes.headersSent || ctxRes.destroyed) {
        ctxRes.destroy();
        return;
      }
      const buf = Buffer.from(
        JSON.stringify(errorBody(`Fake upstream internal error: ${err instanceof Error ? err.message : String(err)}`, 'server_error', null, null)),
      );
      ctxRes.writeHead(500, { 'content-type': 'application/json', 'content-length': String(buf.length) });
      ctxRes.end(buf);
    });
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('clientError', (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake upstream: unexpected server address');
  const port = address.port;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    apiKey,
    requests,
    sentBodies,
    lastSentBody: () => (lastSentKey === undefined ? undefined : sentBodies.get(lastSentKey)),
    aborts,
    waitForAbort(timeoutMs = 2000) {
      if (abortCursor < aborts.length) return Promise.resolve(aborts[abortCursor++] as { url: string; at: number });
      return new Promise((resolve, reject) => {
        const waiter = {
          resolve,
          reject,
          timer: setTimeout(() => {
            const i = abortWaiters.indexOf(waiter);
            if (i >= 0) abortWaiters.splice(i, 1);
            reject(new Error(`fake upstream: no aborted request within ${timeoutMs} ms`));
          }, timeoutMs),
        };
        abortWaiters.push(waiter);
      });
    },
    setFault(f) {
      fault = f === null ? null : { ...f, remaining: f.times ?? Infinity };
    },
    responses,
    openConnections: () => sockets.size,
    close() {
      if (closePromise) return closePromise;
      closing = true;
      fault = null;
      for (const rec of stored.values()) {
        for (const t of rec.timers) clearTimeout(t);
        rec.timers = [];
      }
      for (const ctx of [...contexts]) closeCtx(ctx);
      for (const w of abortWaiters.splice(0)) {
        clearTimeout(w.timer);
        w.reject(new Error('fake upstream closed'));
      }
      const socketsClosed = [...sockets].map(
        (s) => new Promise<void>((resolve) => (s.closed ? resolve() : s.once('close', () => resolve()))),
      );
      closePromise = new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }).then(async () => {
        await Promise.all(socketsClosed);
        sockets.clear();
      });
      return closePromise;
    },
  };
}

/** Deterministic unit vector derived from sha256(text); every component is float32-exact. */
function embed(text: string, dims: number): number[] {
  const out: number[] = [];
  let block = createHash('sha256').update(text).digest();
  let counter = 0;
  while (out.length < dims) {
    for (const byte of block) {
      if (out.length >= dims) break;
      out.push(byte / 127.5 - 1);
    }
    counter += 1;
    block = createHash('sha256').update(`${text}\u0000${counter}`).digest();
  }
  const norm = Math.sqrt(out.reduce((s, v) => s + v * v, 0)) || 1;
  return out.map((v) => Math.fround(v / norm));
}
