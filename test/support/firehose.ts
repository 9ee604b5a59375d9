// An upstream that produces as many bytes as the gateway will take, generated on the fly (no
// big buffers in the test process), written only as fast as the connection drains (like a
// real server). By default an endless Chat-style SSE stream; with the request header
// `x-firehose-bytes: N` a JSON body of exactly N bytes (with `x-firehose-id: ID`, starting
// with `{"id":"ID",` as real Response objects do). `written()` says how far ahead of a slow
// client the gateway let the upstream get.
import { createServer, type Server, type ServerResponse } from 'node:http';

export interface Firehose {
  url: string;
  /** Body bytes written to the gateway so far (all requests). */
  written(): number;
  /** Requests whose connection closed before their answer ended. */
  aborted(): number;
  close(): Promise<void>;
}

const CHUNK = 64 * 1024;

export async function startFirehose(eventBytes = 16 * 1024): Promise<Firehose> {
  const event = Buffer.from(`data: {"object":"chat.completion.chunk","p":"${'x'.repeat(eventBytes - 48)}"}\n\n`);
  const padding = Buffer.alloc(CHUNK, 0x61);
  let written = 0;
  let aborted = 0;

  async function send(res: ServerResponse, chunk: Buffer, isOpen: () => boolean): Promise<void> {
    written += chunk.length;
    if (res.write(chunk) || !isOpen()) return;
    // Wait for drain or close, then drop both listeners (a long stream waits thousands of times).
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }

  const server: Server = createServer((req, res) => {
    req.resume();
    let open = true;
    const isOpen = () => open;
    res.on('close', () => {
      if (open && !res.writableFinished) aborted++;
      open = false;
    });
    const size = Number(req.headers['x-firehose-bytes'] ?? 0);
    void (async () => {
      if (size > 0) {
        const id = req.headers['x-firehose-id'];
        const head = Buffer.from(typeof id === 'string' ? `{"id":${JSON.stringify(id)},"object":"response","padding":"` : '{"object":"fake.huge","padding":"');
        const tail = Buffer.from('"}');
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(size) });
        await send(res, head, isOpen);
        let left = size - head.length - tail.length;
        while (open && left > 0) {
          const n = Math.min(left, CHUNK);
          await send(res, n === CHUNK ? padding : padding.subarray(0, n), isOpen);
          left -= n;
        }
        if (open) res.end(tail);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
      while (open) await send(res, event, isOpen);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/v1`,
    written: () => written,
    aborted: () => aborted,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
