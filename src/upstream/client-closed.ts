// A client that goes away before its answer is complete: the reason given to whatever work is
// aborted for it (an upstream request, a local generation or its place in the queue).
import type { ServerResponse } from 'node:http';

export class ClientClosedError extends Error {
  constructor() {
    super('client closed the connection');
    this.name = 'ClientClosedError';
  }
}

/** An AbortSignal that fires when the client goes away before the response is complete. */
export function clientSignal(res: ServerResponse): { signal: AbortSignal; dispose: () => void } {
  const controller = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) controller.abort(new ClientClosedError());
  };
  res.on('close', onClose);
  return { signal: controller.signal, dispose: () => res.off('close', onClose) };
}
