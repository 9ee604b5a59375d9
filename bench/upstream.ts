// The benchmark's lean upstream: plain node:http, as cheap as an upstream can be, so every
// target measures its own cost rather than the upstream's. `POST /v1/responses` answers with a
// fixed ~1.5 KB Response object (a fresh id each time, as a real upstream would); with
// `"stream": true` in the body it sends a paced SSE stream instead. Every stream event carries
// `bench_sent_at`, the upstream's wall-clock send time in ms (timeOrigin + now, sub-ms), so a
// client on the same machine can compute each event's delay on the same clock.
//
// Usage: node upstream.js <port> [events-per-stream=100] [interval-ms=10]
import { createServer, type ServerResponse } from 'node:http';

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

const sse = (type: string, payload: Record<string, unknown>) =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...payload, bench_sent_at: now() })}\n\n`;

function stream(res: ServerResponse, events: number, intervalMs: number): void {
  const id = nextId();
  const words = ANSWER.split(' ');
  let n = 0;
  res.writeHead(200, { ...STREAM_HEADERS, 'x-request-id': `req_${id.slice(5)}` });
  const send = () => {
    const sequence_number = n;
    if (n === 0) res.write(sse('response.created', { sequence_number, response: responseObject(id, 'in_progress', '') }));
    else if (n === events - 1) {
      res.end(sse('response.completed', { sequence_number, response: responseObject(id, 'completed', ANSWER) }));
      clearInterval(timer);
    } else {
      const delta = `${words[(n - 1) % words.length]} `;
      res.write(sse('response.output_text.delta', { sequence_number, item_id: 'msg_67ccd3acc8d48190a7', output_index: 0, content_index: 0, delta }));
    }
    n++;
  };
  const timer = setInterval(send, intervalMs);
  res.on('close', () => clearInterval(timer));
  send();
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
      const events = Number(req.headers['x-bench-events'] ?? defaultEvents);
      const interval = Number(req.headers['x-bench-interval-ms'] ?? defaultIntervalMs);
      stream(res, events, interval);
      return;
    }
    const id = nextId();
    const json = bodyHead + id + bodyTail;
    res.writeHead(200, JSON_HEADERS(id, Buffer.byteLength(json)));
    res.end(json);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1');
