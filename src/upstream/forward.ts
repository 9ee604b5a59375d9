// Forwards one request to an API model's upstream and pipes the answer to the client as it
// arrives. Uses undici's dispatch() with a handler in undici 7's native (legacy-named) form:
// no intermediate streams, no header objects, raw Buffers straight from the socket to
// res.write, with backpressure both ways and an abort as soon as the client goes away.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { GATEWAY_ERROR_HEADERS, errorJson, upstreamError, type GatewayError } from '../errors/catalogue.js';
import type { LiveApiModel } from '../state/registry.js';
import { ClientClosedError } from './client-closed.js';
import { clientResponseHeaders, upstreamRequestHeaders } from './headers.js';

/**
 * Watches a response as it passes, without changing it. A chunk is delayed only when `data`
 * returns a promise: the chunk goes on to the client once it settles (a routing record that
 * must be committed before the client can have the id it is about).
 */
export interface ResponseTap {
  /** Return false to stop watching (e.g. an error status). */
  start(status: number, contentType: string, contentEncoding?: string): boolean;
  data(chunk: Buffer): void | Promise<void>;
  /** `complete` is false when the stream broke off; the outcome waits for a returned promise. */
  end(complete: boolean): void | Promise<void>;
}

export interface ForwardRequest {
  apiModel: LiveApiModel;
  method: string;
  /** Path below the API model's base URL, e.g. `/responses`. */
  path: string;
  /** The raw query string, `''` or starting with `?`. */
  query: string;
  body: Buffer | null;
  req: IncomingMessage;
  res: ServerResponse;
  tap?: ResponseTap | undefined;
}

export type ForwardOutcome =
  | { kind: 'completed'; status: number; headersAt: number }
  | { kind: 'client_closed'; status: number | null; headersAt: number | null }
  | { kind: 'upstream_failed_before_headers'; error: GatewayError; cause: Error }
  | { kind: 'upstream_broke_mid_body'; status: number; headersAt: number; cause: Error };

/** What each network error code means, for people (error messages) and for metrics (a bounded label). */
const NETWORK_ERRORS: Record<string, { text: string; kind: string }> = {
  ECONNREFUSED: { text: 'connection refused', kind: 'refused' },
  ENOTFOUND: { text: 'host could not be resolved', kind: 'dns' },
  EAI_AGAIN: { text: 'host could not be resolved', kind: 'dns' },
  ECONNRESET: { text: 'connection reset before a response', kind: 'reset' },
  UND_ERR_SOCKET: { text: 'connection closed before a response', kind: 'reset' },
  UND_ERR_CONNECT_TIMEOUT: { text: 'connect timed out', kind: 'connect_timeout' },
  UND_ERR_HEADERS_TIMEOUT: { text: 'timed out waiting for response headers', kind: 'headers_timeout' },
  ETIMEDOUT: { text: 'connect timed out', kind: 'connect_timeout' },
  EHOSTUNREACH: { text: 'host unreachable', kind: 'unreachable' },
  ENETUNREACH: { text: 'network unreachable', kind: 'unreachable' },
  CERT_HAS_EXPIRED: { text: 'TLS certificate has expired', kind: 'tls' },
  DEPTH_ZERO_SELF_SIGNED_CERT: { text: 'TLS certificate is self-signed', kind: 'tls' },
};

function errorCode(err: Error): string {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  return e.code ?? e.cause?.code ?? 'UNKNOWN';
}

/** A short, bounded label for metrics: refused, dns, connect_timeout, ... */
export const upstreamErrorKind = (err: Error): string => NETWORK_ERRORS[errorCode(err)]?.kind ?? 'other';

/** A short, key-free description of why a request got no answer (also used by the admin checks). */
export const networkErrorText = (err: Error): string => NETWORK_ERRORS[errorCode(err)]?.text ?? 'request failed';

/** The 502 a client gets when the upstream never answered. Names the API model, never its key. */
export function upstreamFailure(apiModel: LiveApiModel, err: Error): GatewayError {
  const timeout = errorCode(err) === 'UND_ERR_HEADERS_TIMEOUT';
  return upstreamError(
    `Upstream of API model '${apiModel.name}' (${apiModel.origin}) is unavailable: ${networkErrorText(err)}.`,
    timeout ? 'upstream_timeout' : 'upstream_unavailable',
    timeout ? 504 : 502,
  );
}

export function forward(dispatcher: Dispatcher, r: ForwardRequest): Promise<ForwardOutcome> {
  const { res, tap } = r;
  return new Promise<ForwardOutcome>((resolve) => {
    let abort: ((err: Error) => void) | undefined;
    let clientClosed = false;
    let status: number | null = null;
    let headersAt: number | null = null;
    let resume: (() => void) | undefined;
    let watching = false;
    let settled = false;
    /** A chunk held back until the tap's promise settles; the upstream is paused meanwhile. */
    let gated: Promise<void> | undefined;

    const settle = (outcome: ForwardOutcome) => {
      if (settled) return;
      settled = true;
      res.off('close', onClientClose);
      resolve(outcome);
    };

    const onClientClose = () => {
      if (res.writableFinished) return;
      clientClosed = true;
      abort?.(new ClientClosedError());
      if (watching) tap!.end(false);
      settle({ kind: 'client_closed', status, headersAt });
    };
    res.on('close', onClientClose);

    const onDrain = () => resume?.();

    const handler: Dispatcher.DispatchHandler = {
      onConnect(abortFn) {
        abort = abortFn;
        if (clientClosed) abortFn(new ClientClosedError());
      },
      onHeaders(statusCode, rawHeaders, resumeFn) {
        if (statusCode < 200) return true; // 1xx: wait for the real answer
        status = statusCode;
        headersAt = performance.now();
        resume = resumeFn;
        const head = clientResponseHeaders(rawHeaders as unknown as Buffer[]);
        watching = tap ? tap.start(statusCode, head.contentType, head.contentEncoding) : false;
        res.writeHead(statusCode, head.headers);
        // A stream's head goes out at once, so a client of a slow stream sees the status
        // before the first event; JSON heads ride along with the first body bytes.
        if (head.contentType.startsWith('text/event-stream')) res.flushHeaders();
        return true;
      },
      onData(chunk) {
        const gate = watching ? tap!.data(chunk) : undefined;
        if (gate) {
          const pass = () => {
            gated = undefined;
            if (settled || res.destroyed) return;
            if (res.write(chunk)) resume!();
            else res.once('drain', onDrain);
          };
          gated = gate.then(pass, pass);
          return false;
        }
        if (res.write(chunk)) return true;
        res.once('drain', onDrain);
        return false;
      },
      onComplete() {
        const complete = () => {
          if (settled) return; // the client left while the last chunk was held
          const observed = watching ? tap!.end(true) : undefined;
          res.end();
          const done = () => settle({ kind: 'completed', status: status!, headersAt: headersAt! });
          if (observed) observed.then(done, done);
          else done();
        };
        if (gated) void gated.then(complete);
        else complete();
      },
      onError(err) {
        if (clientClosed || err instanceof ClientClosedError) {
          settle({ kind: 'client_closed', status, headersAt });
          return;
        }
        if (status === null) {
          const error = upstreamFailure(r.apiModel, err);
          if (!res.headersSent && !res.destroyed) {
            const body = errorJson(error);
            res.writeHead(error.status, { ...GATEWAY_ERROR_HEADERS, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
            res.end(body);
          }
          settle({ kind: 'upstream_failed_before_headers', error, cause: err });
          return;
        }
        // Mid-body: the status is already on the wire, so the only honest signal left is to
        // cut the client's connection the way the upstream cut ours.
        if (watching) tap!.end(false);
        res.destroy(err);
        settle({ kind: 'upstream_broke_mid_body', status, headersAt: headersAt!, cause: err });
      },
    };

    dispatcher.dispatch(
      {
        origin: r.apiModel.origin,
        path: r.apiModel.basePath + r.path + r.query,
        method: r.method as Dispatcher.HttpMethod,
        headers: upstreamRequestHeaders(r.req.rawHeaders, r.apiModel.authorization, r.body ? r.body.length : null, r.apiModel.extraHeaders),
        body: r.body,
      },
      handler,
    );
  });
}
