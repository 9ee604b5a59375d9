// Plain node:http / net clients for tests that need what fetch won't do: paths sent exactly
// as written (no dot-segment or percent normalisation), bodies sent slowly or in chunks,
// connections cut at a chosen moment.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface RawRequest {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  /** A Buffer or string is sent with content-length; an array is sent chunked, one write per item. */
  body?: Buffer | string | (Buffer | string)[];
  timeoutMs?: number;
}

/** One request on its own connection; resolves with the whole answer. */
export function rawRequest(base: string, r: RawRequest): Promise<RawResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = httpRequest(
      { host: url.hostname, port: url.port, method: r.method ?? 'GET', path: r.path, headers: r.headers, agent: false, timeout: r.timeoutMs ?? 10_000 },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${r.timeoutMs ?? 10_000} ms`)));
    // The server may answer (413, 401) and close before the whole body is written.
    req.on('error', (err) => (answered ? undefined : reject(err)));
    if (Array.isArray(r.body)) {
      for (const part of r.body) req.write(part);
      req.end();
    } else req.end(r.body);
  });
}

/** A raw TCP connection to the gateway; `text()` is everything received so far. */
export function rawSocket(base: string): { socket: Socket; text(): string; closed: Promise<void> } {
  const url = new URL(base);
  const socket = connect(Number(url.port), url.hostname);
  let received = '';
  socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { socket, text: () => received, closed };
}

/** The JSON body of a raw HTTP response text (after the blank line). */
export function jsonAfterHead(text: string): unknown {
  const at = text.indexOf('\r\n\r\n');
  return JSON.parse(text.slice(at + 4));
}
