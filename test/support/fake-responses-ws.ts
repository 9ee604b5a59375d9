// A fake upstream with the Responses API's WebSocket mode, in front of a FakeUpstream: each
// `response.create` frame becomes a streamed POST /v1/responses to that fake, and each SSE
// event's data goes back as one text frame. Like OpenAI it keeps the latest response in the
// connection's memory, so `previous_response_id` works with `store: false`, and a warm-up
// (`generate: false`) answers with an empty response. It records every frame's bytes and every
// upgrade's headers, and can be told to close mid-response.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createParser } from 'eventsource-parser';
import { WebSocketServer, type WebSocket } from 'ws';
import type { FakeUpstream } from './fake-upstream.js';

export interface FakeResponsesWs {
  /** `http://127.0.0.1:<port>/v1`, as stored on an API model. */
  url: string;
  /** Upgrade request headers, one entry per connection. */
  upgrades: http.IncomingHttpHeaders[];
  /** Every frame received from clients, as bytes, with whether it was binary. */
  received: { data: Buffer; binary: boolean }[];
  /** Every frame sent to clients, as text. */
  sent: string[];
  /** Close codes and reasons received from clients, with when. */
  closes: { code: number; reason: string; at: number }[];
  /** Open client connections. */
  open(): number;
  /** The next response closes its socket with this code after `afterFrames` frames. */
  closeMidResponse(afterFrames: number, code: number, reason: string): void;
  close(): Promise<void>;
}

type Json = Record<string, any>;

export async function startFakeResponsesWs(upstream: FakeUpstream, options: { eventDelayMs?: number } = {}): Promise<FakeResponsesWs> {
  const upgrades: http.IncomingHttpHeaders[] = [];
  const received: { data: Buffer; binary: boolean }[] = [];
  const sent: string[] = [];
  const closes: { code: number; reason: string; at: number }[] = [];
  let cut: { after: number; code: number; reason: string } | undefined;

  const server = http.createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (req.url?.split('?')[0] !== '/v1/responses' || req.headers.authorization !== `Bearer ${upstream.apiKey}`) {
      socket.end('HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}');
      return;
    }
    upgrades.push(req.headers);
    wss.handleUpgrade(req, socket, head, (ws) => serve(ws));
  });

  function serve(ws: WebSocket): void {
    let last: { id: string; input: unknown[]; output: unknown[] } | undefined;
    let queue = Promise.resolve();
    ws.on('close', (code, reason) => closes.push({ code, reason: reason.toString(), at: performance.now() }));
    ws.on('message', (data, binary) => {
      const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      received.push({ data: buf, binary });
      queue = queue.then(() => turn(ws, buf)).catch(() => undefined);
    });

    const send = (text: string) => {
      if (ws.readyState !== ws.OPEN) return false;
      sent.push(text);
      ws.send(text);
      return true;
    };

    async function turn(socket: WebSocket, buf: Buffer): Promise<void> {
      const frame = JSON.parse(buf.toString()) as Json;
      if (frame.type !== 'response.create') return void send(JSON.stringify({ type: 'error', status: 400, error: { type: 'invalid_request_error', message: 'unsupported event' } }));
      const { type: _t, generate, ...body } = frame;
      const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : ((body.input as unknown[]) ?? []);
      if (generate === false) {
        const id = `resp_warm${Math.random().toString(16).slice(2)}`;
        last = { id, input, output: [] };
        const response = { id, object: 'response', status: 'completed', model: body.model, output: [], usage: null };
        send(JSON.stringify({ type: 'response.created', response: { ...response, status: 'in_progress' } }));
        send(JSON.stringify({ type: 'response.completed', response }));
        return;
      }
      let fullInput = input;
      if (last && body.previous_response_id === last.id) {
        fullInput = [...last.input, ...last.output, ...input];
        delete body.previous_response_id;
      }
      const res = await fetch(`${upstream.url}/responses`, {
        method: 'POST',
        headers: { authorization: `Bearer ${upstream.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, input: fullInput, stream: true }),
      });
      if (res.status !== 200) {
        const err = (await res.json()) as Json;
        send(JSON.stringify({ type: 'error', status: res.status, error: err.error }));
        return;
      }
      let frames = 0;
      let stop = false;
      const parser = createParser({
        onEvent(event) {
          if (stop) return;
          const data = JSON.parse(event.data) as Json;
          if (data.type === 'response.completed') last = { id: data.response.id, input: fullInput, output: data.response.output };
          send(event.data);
          frames++;
          if (cut && frames >= cut.after) {
            const { code, reason } = cut;
            cut = undefined;
            stop = true;
            socket.close(code, reason);
          }
        },
      });
      const reader = res.body!.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done || stop || socket.readyState !== socket.OPEN) break;
        parser.feed(decoder.decode(value, { stream: true }));
        if (options.eventDelayMs) await new Promise((r) => setTimeout(r, options.eventDelayMs));
      }
      await reader.cancel().catch(() => undefined);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    upgrades,
    received,
    sent,
    closes,
    open: () => wss.clients.size,
    closeMidResponse(after, code, reason) {
      cut = { after, code, reason };
    },
    async close() {
      for (const c of wss.clients) c.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
