// The benchmark's lean upstream: plain node:http, as cheap as an upstream can be, so every
// target measures its own cost rather than the upstream's. `POST /v1/responses` answers with a
// fixed ~1.5 KB Response object (a fresh id each time, as a real upstream would); with
// `"stream": true` in the body it sends a paced SSE stream instead. Every stream event carries
// `bench_sent_at`, the upstream's wall-clock send time in ms (timeOrigin + now, sub-ms), so a
// client on the same machine can compute each event's delay on the same clock.
//
// WebSocket mode (#20): `GET /v1/responses` with `Upgrade: websocket` (the `ws` package, no
// compression). Each client frame holding `"type":"response.create"` gets the same events the
// SSE stream sends, one text frame per event (the event's JSON, no `event:` line), same pacing,
// ending with `response.completed`; nothing else of the frame is read. The pacing comes from
// the upgrade request's x-bench-events / x-bench-interval-ms headers (the gateway passes the
// client's upgrade headers on). An interval of 0 sends a stream's events back to back, on both.
//
// Usage: node upstream.js <port> [events-per-stream=100] [interval-ms=10]
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.argv[2] ?? 0);
const defaultEvents = Number(process.argv[3] ?? 100);
const defaultIntervalMs = Number(process.argv[4] ?? 10);

const now = () => performance.timeOrigin + performance.now();
const idPrefix = `resp_${process.pid.toString(16)}${Date.now().toString(16)}`;
let seq = 0;
const nextId = () => `${idPrefix}${(seq++).toString(16).padStart(8, '0')}`;

const responseObject = (id: string, status: string, text: string) => ({
  id,
  object: 'response',
  created_at: 1735689600,
  status,
  background: false,
  error: null,
  incomplete_details: null,
  instructions: 'You are a concise assistant. Answer in one short paragraph.',
  max_output_tokens: 256,
  model: 'gpt-4.1-mini-2025-04-14',
  output:
    status === 'completed'
      ? [
          {
            id: 'msg_67ccd3acc8d48190a77525dc6de64b4104becb25c52b2e0e',
            type: 'message',
            status: 'completed',
            role: 'assistant',
            content: [{ type: 'output_text', annotations: [], logprobs: [], text }],
          },
        ]
      : [],
  parallel_tool_calls: true,
  previous_response_id: null,
  reasoning: { effort: null, summary: null },
  service_tier: 'default',
  store: true,
  temperature: 1,
  text: { format: { type: 'text' }, verbosity: 'medium' },
  tool_choice: 'auto',
  tools: [],
  top_p: 1,
  truncation: 'disabled',
  usage:
    status === 'completed'
      ? { input_tokens: 36, input_tokens_details: { cached_tokens: 0 }, output_tokens: 87, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 123 }
      : null,
  user: null,
  metadata: {},
});

const ANSWER =
  'Latency budgets are easiest to keep when every hop is measured against the one before it: ' +
  'the client, the gateway, the provider. A pass-through hop that parses nothing, copies nothing ' +
  'and logs one line per request costs well under a millisecond, which is noise next to a model ' +
  "that thinks for seconds. Measure it anyway, on the same machine, alternating targets so that " +
  'drift hits all of them alike, and keep the numbers honest.';

// The JSON body around its id, pre-serialised once: a request costs one small concatenation.
const ID_MARK = 'RESPONSE_ID_MARK';
const [bodyHead, bodyTail] = JSON.stringify(responseObject(ID_MARK, 'completed', ANSWER)).split(ID_MARK) as [string, string];

const JSON_HEADERS = (id: string, length: number): Record<string, string | number> => ({
  'content-type': 'application/json',
  'content-length': length,
  'x-request-id': `req_${id.slice(5)}`,
  'openai-version': '2020-10-01',
  'openai-processing-ms': '412',
  'x-ratelimit-remaining-requests': '9999',
});

const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'openai-version': '2020-10-01',
  'openai-processing-ms': '38',
};

const event = (type: string, payload: Record<string, unknown>) => JSON.stringify({ type, ...payload, bench_sent_at: now() });
const sse = (type: string, payload: Record<string, unknown>) => `event: ${type}\ndata: ${event(type, payload)}\n\n`;

const WORDS = ANSWER.split(' ');

/**
 * One response's events, paced: `emit(text, last)` gets each in turn (`make` renders it as an
 * SSE event or a frame's JSON). Returns a stop function (the client went away).
 */
function paced(id: string, events: number, intervalMs: number, make: (type: string, payload: Record<string, unknown>) => string, emit: (text: string, last: boolean) => void): () => void {
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  const send = () => {
    const sequence_number = n;
    if (n === 0) emit(make('response.created', { sequence_number, response: responseObject(id, 'in_progress', '') }), events <= 1);
    if (n === events - 1) {
      if (n > 0) emit(make('response.completed', { sequence_number, response: responseObject(id, 'completed', ANSWER) }), true);
      clearInterval(timer);
    } else if (n > 0) {
      const delta = `${WORDS[(n - 1) % WORDS.length]} `;
      emit(make('response.output_text.delta', { sequence_number, item_id: 'msg_67ccd3acc8d48190a7', output_index: 0, content_index: 0, delta }), false);
    }
    n++;
  };
  if (intervalMs > 0) {
    timer = setInterval(send, intervalMs);
    send();
  } else while (n < events) send();
  return () => clearInterval(timer);
}

function stream(res: ServerResponse, events: number, intervalMs: number): void {
  const id = nextId();
  res.writeHead(200, { ...STREAM_HEADERS, 'x-request-id': `req_${id.slice(5)}` });
  const stop = paced(id, events, intervalMs, sse, (text, last) => (last ? res.end(text) : res.write(text)));
  res.on('close', stop);
}

const pacing = (headers: IncomingHttpHeaders) => ({
  events: Number(headers['x-bench-events'] ?? defaultEvents),
  interval: Number(headers['x-bench-interval-ms'] ?? defaultIntervalMs),
});

const CREATE = Buffer.from('"type":"response.create"');

function serveSocket(ws: WebSocket, events: number, interval: number): void {
  const stops = new Set<() => void>();
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary || data.indexOf(CREATE) < 0) {
      ws.send('{"type":"error","status":400,"error":{"type":"invalid_request_error","message":"unsupported event"}}');
      return;
    }
    // Back to back (interval 0), the whole response is sent before paced() returns.
    let done = false;
    let stop: (() => void) | undefined;
    stop = paced(nextId(), events, interval, event, (text, last) => {
      if (ws.readyState === ws.OPEN) ws.send(text);
      done ||= last;
      if (last && stop) stops.delete(stop);
    });
    if (!done) stops.add(stop);
  });
  ws.on('close', () => stops.forEach((s) => s()));
  ws.on('error', () => undefined);
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    if (req.method !== 'POST' || !req.url?.startsWith('/v1/responses')) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"not found","type":"invalid_request_error"}}');
      return;
    }
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (body.includes('"stream":true')) {
      const { events, interval } = pacing(req.headers);
      stream(res, events, interval);
      return;
    }
    const id = nextId();
    const json = bodyHead + id + bodyTail;
    res.writeHead(200, JSON_HEADERS(id, Buffer.byteLength(json)));
    res.end(json);
  });
});
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
server.on('upgrade', (req, socket, head) => {
  if (req.url?.split('?')[0] !== '/v1/responses') {
    socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n');
    return;
  }
  const { events, interval } = pacing(req.headers);
  wss.handleUpgrade(req, socket, head, (ws) => serveSocket(ws, events, interval));
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
