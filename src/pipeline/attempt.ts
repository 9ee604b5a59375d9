// One attempt: sends the request to one upstream and relays its answer to the client, with
// backpressure both ways and an abort as soon as the client goes away. The head is committed
// to the client when it arrives; an upstream that never answers leaves the client untouched,
// so the caller can try another target or render the failure. An answer whose status the
// caller may retry elsewhere (`hold`) is read whole and kept back instead, up to HOLD_LIMIT:
// the caller replays it if no other target does better.
import type { Dispatcher } from 'undici';
import { ClientClosedError } from '../upstream/client-closed.js';
import { sendUpstream, type UpstreamRequest } from '../upstream/transport.js';
import type { ClientResponse } from './client.js';
import type { AnswerObserver } from './observe.js';

/** Held answers larger than this are passed on instead: error bodies are small. */
export const HOLD_LIMIT = 1 << 20;

export type AttemptOutcome =
  | { kind: 'completed'; status: number; headersAt: number; headers: readonly string[] }
  /** An answer kept back (`hold`): nothing reached the client. */
  | { kind: 'held'; status: number; headersAt: number; headers: readonly string[]; body: Buffer[] }
  | { kind: 'client_closed'; status: number | null; headersAt: number | null }
  /** No answer at all; nothing reached the client. */
  | { kind: 'upstream_failed'; cause: Error }
  /** The answer broke off after its head went out; the client's connection was cut. */
  | { kind: 'upstream_broke'; status: number; headersAt: number; cause: Error };

export function attempt(
  dispatcher: Dispatcher,
  request: UpstreamRequest,
  client: ClientResponse,
  observer: AnswerObserver | undefined,
  hold?: (status: number) => boolean,
): Promise<AttemptOutcome> {
  return new Promise<AttemptOutcome>((resolve) => {
    let clientClosed = false;
    let status: number | null = null;
    let headersAt: number | null = null;
    let headers: readonly string[] = [];
    /** The body of a held answer, while it is held. */
    let held: Buffer[] | undefined;
    let heldBytes = 0;
    let watching = false;
    let settled = false;
    /** A chunk held back until the observer's promise settles; the upstream is paused meanwhile. */
    let gated: Promise<void> | undefined;

    const settle = (outcome: AttemptOutcome) => {
      if (settled) return;
      settled = true;
      stopWatchingClient();
      resolve(outcome);
    };
    const stopWatchingClient = client.onClose(() => {
      clientClosed = true;
      exchange.abort(new ClientClosedError());
      if (watching) void observer!.end(false);
      settle({ kind: 'client_closed', status, headersAt });
    });
    const onDrain = () => exchange.resume();

    const exchange = sendUpstream(dispatcher, request, {
      head(head) {
        status = head.status;
        headersAt = head.at;
        headers = head.headers;
        if (hold?.(head.status)) {
          held = [];
          return;
        }
        if (observer) {
          observer.start(head.status, head.contentType, head.contentEncoding);
          watching = true;
        }
        // A stream's head goes out at once, so a client of a slow stream sees the status
        // before the first event; a JSON head rides along with the first body bytes.
        client.commit(head.status, head.headers, head.contentType.startsWith('text/event-stream'));
      },
      data(chunk) {
        if (held) {
          heldBytes += chunk.length;
          held.push(chunk);
          if (heldBytes <= HOLD_LIMIT) return true;
          // Too big to keep: pass it on as it is (no other target will be tried).
          const kept = held;
          held = undefined;
          client.commit(status!, headers, false);
          let ok = true;
          for (const c of kept) ok = client.write(c);
          if (ok) return true;
          client.onceDrain(onDrain);
          return false;
        }
        const gate = watching ? observer!.data(chunk) : undefined;
        if (gate) {
          const pass = () => {
            gated = undefined;
            if (settled) return;
            if (client.write(chunk)) exchange.resume();
            else client.onceDrain(onDrain);
          };
          gated = gate.then(pass, pass);
          return false;
        }
        if (client.write(chunk)) return true;
        client.onceDrain(onDrain);
        return false;
      },
      end() {
        if (held) {
          settle({ kind: 'held', status: status!, headersAt: headersAt!, headers, body: held });
          return;
        }
        const complete = () => {
          if (settled) return; // the client left while the last chunk was held
          // The answer is whole: a close from here on is the normal end, not a client leaving.
          stopWatchingClient();
          const observed = watching ? observer!.end(true) : undefined;
          client.end();
          const done = () => settle({ kind: 'completed', status: status!, headersAt: headersAt!, headers });
          if (observed) observed.then(done, done);
          else done();
        };
        if (gated) void gated.then(complete);
        else complete();
      },
      error(err) {
        if (clientClosed || err instanceof ClientClosedError) {
          settle({ kind: 'client_closed', status, headersAt });
          return;
        }
        // No answer, or a held one that broke off: either way nothing reached the client.
        if (status === null || held) {
          settle({ kind: 'upstream_failed', cause: err });
          return;
        }
        // Mid-body: cut the client's connection the way the upstream cut ours.
        if (watching) void observer!.end(false);
        client.destroy(err);
        settle({ kind: 'upstream_broke', status, headersAt: headersAt!, cause: err });
      },
    });
  });
}
