// The client's side of a proxied call, as the pipeline sees it. A surface implements it over
// its framework's response (surfaces/http-client.ts) and renders the gateway's own errors in
// its envelope; the pipeline decides when an upstream answer's head is committed to it.
import type { GatewayError } from '../errors/catalogue.js';

export interface ClientResponse {
  /** Sends the answer's status line and headers; `flush` sends them at once (a stream's head). */
  commit(status: number, headers: readonly string[], flush: boolean): void;
  /** Writes body bytes; false means wait for `onceDrain`. */
  write(chunk: Buffer): boolean;
  onceDrain(listener: () => void): void;
  end(): void;
  /** Cuts the connection: the only honest signal once a status is on the wire. */
  destroy(err: Error): void;
  /** Answers with a gateway error in the surface's envelope, if nothing was sent yet. */
  fail(error: GatewayError): void;
  /** Calls `listener` if the client goes away before the answer ended; returns the unsubscribe. */
  onClose(listener: () => void): () => void;
}
