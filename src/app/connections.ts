// Connection bookkeeping for graceful shutdown. Node's closeIdleConnections() skips sockets
// that have not sent a request yet (pre-connects, keep-alive sockets between requests that a
// client opened but never used), which would hold server.close() open until headersTimeout.
// This tracks every socket and how many requests it has in flight.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionTracker {
  /** From now on, end every socket as soon as it has no request in flight. */
  drain(): void;
  /** Cut everything (after the shutdown deadline). */
  destroyAll(): void;
  /** Stops tracking a socket that something else now owns (a WebSocket session drains itself). */
  forget(socket: Socket): void;
  readonly size: number;
}

export function trackConnections(server: Server): ConnectionTracker {
  const active = new Map<Socket, number>();
  let draining = false;

  // One shared listener (no closure per request): `this` is the response that closed.
  function onResponseClose(this: ServerResponse): void {
    const socket = this.req.socket;
    const inFlight = active.get(socket);
    if (inFlight === undefined) return;
    active.set(socket, inFlight - 1);
    if (draining && inFlight === 1) socket.end();
  }

  server.on('connection', (socket: Socket) => {
    active.set(socket, 0);
    socket.once('close', () => active.delete(socket));
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    active.set(socket, (active.get(socket) ?? 0) + 1);
    res.on('close', onResponseClose);
  });

  return {
    drain() {
      draining = true;
      for (const [socket, inFlight] of active) if (inFlight === 0) socket.end();
    },
    destroyAll() {
      for (const socket of active.keys()) socket.destroy();
    },
    forget(socket) {
      active.delete(socket);
    },
    get size() {
      return active.size;
    },
  };
}
