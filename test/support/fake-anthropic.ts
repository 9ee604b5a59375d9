/**
 * A fake Anthropic upstream for tests, true to the wire facts in
 * /work/shared/spec/anthropic-wire.md: POST /v1/messages (JSON, or SSE in Anthropic's event
 * order: message_start, ping, content_block_start/delta/stop per block, message_delta,
 * message_stop), POST /v1/messages/count_tokens, GET /v1/models[/{id}] (paged), the error
 * envelope with a `request-id` header, `x-api-key` (or Bearer, as SDK 1.x sends it) checked
 * against its key, `anthropic-version` required. Answers are a function of the request body
 * (ids included), so the same call made twice gets the same bytes. Built on node:http only.
 */
import http from 'node:http';
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** What the fake answers a Messages call with; tool use when `toolUse` is set. */
export interface Scripted {
  text?: string;
  toolUse?: { name: string; input: Record<string, unknown> };
}

export interface FakeAnthropicOptions {
  apiKey?: string;
  models?: string[];
  /** Prompt tokens reported as cache writes and cache reads (beside input_tokens). */
  cache?: { creation: number; read: number };
  eventDelayMs?: number;
  /** Overrides the default answer (see answerFor). */
  reply?: (body: Json) => Scripted | undefined;
}

export interface Fault {
  status: number;
  type: string;
  message: string;
  /** After message_start, as an `event: error` in a 200 stream, instead of an HTTP error. */
  midStream?: boolean;
  times?: number;
}

export interface FakeAnthropic {
  /** The root, as SDKs take it: `http://127.0.0.1:<port>`. */
  url: string;
  /** As stored on an API model (Anthropic's docs give `https://api.anthropic.com/v1`). */
  baseUrl: string;
  apiKey: string;
  models: string[];
  requests: RecordedRequest[];
  setFault(fault: Fault | null): void;
  close(): Promise<void>;
}

type Json = Record<string, any>;

const CREATED_AT = '2025-09-29T00:00:00Z';
const DEFAULT_MODELS = ['claude-sonnet-4-6', 'claude-haiku-4-5', 'claude-opus-4-7'];
const tokensOf = (value: unknown) => Math.max(1, Math.ceil(JSON.stringify(value ?? '').length / 4));
const hashOf = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex').slice(0, 24);
const event = (data: Json) => Buffer.from(`event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`);

function errorBody(type: string, message: string, requestId: string): string {
  return JSON.stringify({ type: 'error', error: { type, message }, request_id: requestId });
}

function lastUserText(messages: Json[]): { text: string; toolResult?: string } {
  const last = [...messages].reverse().find((m) => m?.role === 'user');
  if (!last) return { text: '' };
  if (typeof last.content === 'string') return { text: last.content };
  const blocks = Array.isArray(last.content) ? (last.content as Json[]) : [];
  const result = blocks.find((b) => b?.type === 'tool_result');
  const content = result && (typeof result.content === 'string' ? result.content : JSON.stringify(result.content));
  return { text: blocks.filter((b) => b?.type === 'text').map((b) => String(b.text)).join(' '), toolResult: content };
}

/**
 * The default answer: a tool call when `tool_choice` asks for one or the prompt says "use the
 * <name> tool"; after a tool result, that result; else a fixed greeting.
 */
function answerFor(body: Json): Scripted {
  const tools = Array.isArray(body.tools) ? (body.tools as Json[]) : [];
  const { text, toolResult } = lastUserText(Array.isArray(body.messages) ? body.messages : []);
  if (toolResult !== undefined) return { text: `The tool said: ${toolResult}` };
  const choice = body.tool_choice as Json | undefined;
  const asked = tools.find((t) => (choice?.type === 'tool' && t.name === choice.name) || text.includes(`use the ${t.name} tool`));
  const tool = asked ?? (choice?.type === 'any' ? tools[0] : undefined);
  if (tool) return { text: 'Let me check.', toolUse: { name: String(tool.name), input: { query: text.slice(0, 40) } } };
  return { text: 'Hello! How can I help you today?' };
}

function message(id: string, model: string, scripted: Scripted, inputTokens: number, cache: { creation: number; read: number }) {
  const content: Json[] = [];
  if (scripted.text) content.push({ type: 'text', text: scripted.text });
  if (scripted.toolUse) content.push({ type: 'tool_use', id: `toolu_${id.slice(4)}`, name: scripted.toolUse.name, input: scripted.toolUse.input });
  const outputTokens = (scripted.text ? scripted.text.split(' ').length : 0) + (scripted.toolUse ? tokensOf(scripted.toolUse.input) : 0);
  const usage = { input_tokens: inputTokens, cache_creation_input_tokens: cache.creation, cache_read_input_tokens: cache.read, output_tokens: outputTokens };
  return { id, type: 'message', role: 'assistant', model, content, stop_reason: scripted.toolUse ? 'tool_use' : 'end_turn', stop_sequence: null, usage };
}

/** The events of a message, in Anthropic's order. */
function streamOf(msg: ReturnType<typeof message>): Buffer[] {
  const { content, usage, stop_reason, ...head } = msg;
  const events = [event({ type: 'message_start', message: { ...head, content: [], stop_reason: null, usage: { ...usage, output_tokens: 1 } } }), event({ type: 'ping' })];
  content.forEach((block, index) => {
    if (block.type === 'text') {
      events.push(event({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } }));
      for (const piece of (block.text as string).match(/\S+\s*/g) ?? []) events.push(event({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } }));
    } else {
      events.push(event({ type: 'content_block_start', index, content_block: { ...block, input: {} } }));
      const json = JSON.stringify(block.input);
      for (let at = 0; at < json.length; at += 8) events.push(event({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: json.slice(at, at + 8) } }));
    }
    events.push(event({ type: 'content_block_stop', index }));
  });
  events.push(event({ type: 'message_delta', delta: { stop_reason, stop_sequence: null }, usage: { output_tokens: usage.output_tokens } }));
  events.push(event({ type: 'message_stop' }));
  return events;
}

export async function startFakeAnthropic(options: FakeAnthropicOptions = {}): Promise<FakeAnthropic> {
  const apiKey = options.apiKey ?? 'sk-ant-fake-upstream-SECRET';
  const models = options.models ?? DEFAULT_MODELS;
  const cache = options.cache ?? { creation: 0, read: 0 };
  const delay = options.eventDelayMs ?? 1;
  const requests: RecordedRequest[] = [];
  let fault: Fault | null = null;
  let served = 0;

  const json = (res: ServerResponse, status: number, body: string, requestId: string) =>
    res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, 'anthropic-organization-id': 'org-fake' }).end(body);
  const fail = (res: ServerResponse, status: number, type: string, msg: string, requestId: string) => json(res, status, errorBody(type, msg, requestId), requestId);

  const messages = async (res: ServerResponse, body: Json, raw: Buffer, requestId: string, countOnly: boolean) => {
    if (typeof body.model !== 'string' || !Array.isArray(body.messages)) return fail(res, 400, 'invalid_request_error', 'model: Field required', requestId);
    if (!countOnly && typeof body.max_tokens !== 'number') return fail(res, 400, 'invalid_request_error', 'max_tokens: Field required', requestId);
    if (!models.includes(body.model)) return fail(res, 404, 'not_found_error', `model: ${body.model}`, requestId);
    const inputTokens = tokensOf([body.system, body.messages, body.tools]);
    if (countOnly) return json(res, 200, JSON.stringify({ input_tokens: inputTokens }), requestId);
    const msg = message(`msg_${hashOf(raw)}`, body.model, options.reply?.(body) ?? answerFor(body), inputTokens, cache);
    if (!body.stream) return json(res, 200, JSON.stringify(msg), requestId);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'request-id': requestId });
    let events = streamOf(msg);
    if (fault?.midStream && fault.times !== 0) {
      if (fault.times) fault.times--;
      events = [events[0]!, event({ type: 'error', error: { type: fault.type, message: fault.message } })];
    }
    for (const e of events) {
      if (res.destroyed) return;
      res.write(e);
      await new Promise((r) => setTimeout(r, delay));
    }
    res.end();
  };

  const listModels = (res: ServerResponse, query: URLSearchParams, requestId: string) => {
    const limit = Number(query.get('limit') ?? 20);
    const after = query.get('after_id');
    const from = after ? models.indexOf(after) + 1 : 0;
    const data = models.slice(from, from + limit).map((id) => ({ type: 'model', id, display_name: id, created_at: CREATED_AT }));
    json(res, 200, JSON.stringify({ data, has_more: from + limit < models.length, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null }), requestId);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body: raw });
      const requestId = `req_fake${String(++served).padStart(6, '0')}`;
      const url = new URL(req.url!, 'http://fake');
      const presented = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
      if (presented !== apiKey) return fail(res, 401, 'authentication_error', 'invalid x-api-key', requestId);
      if (!req.headers['anthropic-version']) return fail(res, 400, 'invalid_request_error', 'anthropic-version: header is required', requestId);
      if (fault && !fault.midStream && fault.times !== 0) {
        if (fault.times) fault.times--;
        return fail(res, fault.status, fault.type, fault.message, requestId);
      }
      const path = url.pathname;
      if (req.method === 'GET' && path === '/v1/models') return listModels(res, url.searchParams, requestId);
      if (req.method === 'GET' && path.startsWith('/v1/models/')) {
        const id = decodeURIComponent(path.slice('/v1/models/'.length));
        if (!models.includes(id)) return fail(res, 404, 'not_found_error', `model: ${id}`, requestId);
        return json(res, 200, JSON.stringify({ type: 'model', id, display_name: id, created_at: CREATED_AT }), requestId);
      }
      if (req.method !== 'POST' || (path !== '/v1/messages' && path !== '/v1/messages/count_tokens')) return fail(res, 404, 'not_found_error', 'Not Found', requestId);
      let body: Json;
      try {
        body = JSON.parse(raw.toString('utf8')) as Json;
      } catch {
        return fail(res, 400, 'invalid_request_error', 'There was an issue with the request body: invalid JSON', requestId);
      }
      void messages(res, body, raw, requestId, path.endsWith('/count_tokens'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    apiKey,
    models,
    requests,
    setFault: (f) => void (fault = f),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
