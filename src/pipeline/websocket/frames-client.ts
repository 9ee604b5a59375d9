// The pipeline's ClientResponse over a WebSocket, for bridged turns: an upstream's SSE answer
// goes out as one text frame per event (the event's data, byte for byte, no `[DONE]`), an
// HTTP error answer as one error frame, and the gateway's own errors as its error frame.
import type WebSocket from 'ws';
import type { GatewayError } from '../../errors/catalogue.js';
import { eventData, eventEnd } from '../../upstream/sse.js';
import type { ClientResponse } from '../client.js';
import { gatewayErrorFrame, upstreamErrorFrame } from './frames.js';

/** Above this many bytes queued on the socket, the upstream is paused until it drains below LOW. */
export const SEND_HIGH = 1 << 20;
const SEND_LOW = 256 * 1024;

const COMPLETED = '"type":"response.completed"';
const INCOMPLETE = '"type":"response.incomplete"';
const TERMINAL = ['"type":"response.completed"', '"type":"response.incomplete"', '"type":"response.failed"', '"type":"error"'];
/** An error answer is read up to this much; the rest is dropped. */
const ERROR_BODY_MAX = 1 << 20;

export class FramesClient implements ClientResponse {
  private sse = false;
  private status = 0;
  private errorBody: Buffer[] = [];
  private errorBytes = 0;
  /** The stream's terminal event went out. */
  private ended = false;
  private partial: Buffer | undefined;
  private drainWaiters: (() => void)[] = [];
  private closeListeners = new Set<() => void>();
  /** The terminal event's response (completed or incomplete), for the bridge's state. */
  finalResponse: { id?: unknown; output?: unknown } | undefined;
  /** Set once something went out for this turn. */
  sentAny = false;

  constructor(
    private readonly socket: WebSocket,
    private readonly onFrame: () => void,
  ) {}

  /** The client's socket closed: the pipeline aborts the upstream. */
  clientClosed(): void {
    for (const l of [...this.closeListeners]) l();
  }

  private send(text: string): boolean {
    this.sentAny = true;
    this.onFrame();
    this.socket.send(text, { binary: false }, () => this.checkDrain());
    return this.socket.bufferedAmount < SEND_HIGH;
  }

  private checkDrain(): void {
    if (this.drainWaiters.length === 0 || this.socket.bufferedAmount > SEND_LOW) return;
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }

  commit(status: number, headers: readonly string[]): void {
    this.status = status;
    let contentType = '';
    for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === 'content-type') contentType = headers[i + 1]!;
    this.sse = status === 200 && contentType.startsWith('text/event-stream');
  }

  write(chunk: Buffer): boolean {
    if (!this.sse) {
      if (this.errorBytes < ERROR_BODY_MAX) this.errorBody.push(chunk);
      this.errorBytes += chunk.length;
      return true;
    }
    let buf = this.partial ? Buffer.concat([this.partial, chunk]) : chunk;
    this.partial = undefined;
    let ok = true;
    let start = 0;
    for (let end = eventEnd(buf, 0); end >= 0; end = eventEnd(buf, start)) {
      const data = eventData(buf.subarray(start, end));
      start = end;
      if (!data || data === '[DONE]') continue;
      if (data.includes(COMPLETED) || data.includes(INCOMPLETE)) this.keepFinal(data);
      if (!this.ended && TERMINAL.some((t) => data.includes(t))) this.ended = true;
      ok = this.send(data) && ok;
    }
    if (start < buf.length) this.partial = Buffer.from(buf.subarray(start));
    buf = Buffer.alloc(0);
    return ok;
  }

  private keepFinal(data: string): void {
    try {
      const event = JSON.parse(data) as { type?: unknown; response?: { id?: unknown; output?: unknown } };
      if (event.type === 'response.completed' || event.type === 'response.incomplete') this.finalResponse = event.response;
    } catch {
      // Not ours to judge: it still goes out as sent.
    }
  }

  onceDrain(listener: () => void): void {
    this.drainWaiters.push(listener);
    this.checkDrain();
  }

  end(): void {
    if (this.sse) {
      // A last event without its blank line still counts.
      if (this.partial) this.write(Buffer.from('\n\n'));
      // A stream that stopped without saying how it ended would leave the client waiting.
      if (!this.ended) this.destroy();
      return;
    }
    const body = Buffer.concat(this.errorBody);
    if (this.status >= 200 && this.status < 300) {
      // An upstream that answered with the whole Response instead of a stream.
      try {
        const response = JSON.parse(body.toString('utf8')) as { id?: unknown; output?: unknown };
        this.finalResponse = response;
        this.send(JSON.stringify({ type: 'response.completed', response }));
        return;
      } catch {
        // Not a Response: said as an error below.
      }
    }
    this.send(upstreamErrorFrame(this.status, body));
  }

  destroy(): void {
    this.send(JSON.stringify({ type: 'error', status: 502, error: { type: 'upstream_error', code: 'upstream_broke', message: 'The upstream stream broke off before the response completed.' }, headers: { 'x-bodhi-error': 'gateway' } }));
  }

  fail(error: GatewayError): void {
    this.send(gatewayErrorFrame(error));
  }

  onClose(listener: () => void): () => void {
    // Already gone: the upstream request is aborted at once.
    if (this.socket.readyState !== this.socket.OPEN) {
      queueMicrotask(listener);
      return () => undefined;
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }
}
