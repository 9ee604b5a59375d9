// One request to an upstream over undici's dispatch(), with a handler in undici's current API
// (onRequestStart / onResponseStart / onResponseData / onResponseEnd / onResponseError). No
// streams or header objects in between: raw Buffers from the socket go to the caller, which
// decides what reaches the client. Backpressure: `data` returning false pauses the upstream
// until `resume()`.
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { clientResponseHeaders, type ResponseHeadInfo } from './headers.js';

export interface UpstreamRequest {
  /** `scheme://host:port`: one pooled connection set per origin. */
  origin: string;
  /** Path and query, e.g. `/v1/responses?x=1`. */
  path: string;
  method: string;
  /** Flat [name, value, ...] list (upstream/headers.ts builds it). */
  headers: string[];
  body: Buffer | null;
}

export interface UpstreamHead extends ResponseHeadInfo {
  status: number;
  /** performance.now() when the head arrived. */
  at: number;
}

/** The caller's side of an exchange; exactly one of `end` or `error` ends it. */
export interface UpstreamHandler {
  /** The answer's head: nothing has reached the client yet. */
  head(head: UpstreamHead): void;
  /** A body chunk; return false to pause the upstream until `resume()`. */
  data(chunk: Buffer): boolean;
  end(): void;
  /** No answer (before `head`) or a broken one (after it). */
  error(err: Error): void;
}

export interface UpstreamExchange {
  resume(): void;
  abort(reason: Error): void;
}

/** undici's controller keeps the raw header list; a parsed object is the fallback. */
function rawHeaders(controller: Dispatcher.DispatchController, headers: IncomingHttpHeaders): Buffer[] {
  const raw = (controller as { rawHeaders?: Buffer[] | null }).rawHeaders;
  if (raw) return raw;
  const out: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    for (const v of Array.isArray(value) ? value : [value ?? '']) out.push(Buffer.from(name, 'latin1'), Buffer.from(v, 'latin1'));
  }
  return out;
}

class Exchange implements Dispatcher.DispatchHandler, UpstreamExchange {
  private controller: Dispatcher.DispatchController | undefined;
  private abortedWith: Error | undefined;

  constructor(private readonly handler: UpstreamHandler) {}

  resume(): void {
    this.controller?.resume();
  }

  abort(reason: Error): void {
    if (this.controller) this.controller.abort(reason);
    else this.abortedWith ??= reason;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortedWith) controller.abort(this.abortedWith);
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: wait for the real answer
    const head = clientResponseHeaders(rawHeaders(controller, headers)) as UpstreamHead;
    head.status = statusCode;
    head.at = performance.now();
    this.handler.head(head);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.handler.data(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    this.handler.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    this.handler.error(err);
  }
}

export function sendUpstream(dispatcher: Dispatcher, request: UpstreamRequest, handler: UpstreamHandler): UpstreamExchange {
  const exchange = new Exchange(handler);
  dispatcher.dispatch(
    { origin: request.origin, path: request.path, method: request.method as Dispatcher.HttpMethod, headers: request.headers, body: request.body },
    exchange,
  );
  return exchange;
}
