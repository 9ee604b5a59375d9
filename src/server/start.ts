// Starts a gateway: store, caches, HTTP server; and stops it gracefully: stop accepting, let
// in-flight requests and streams finish up to a deadline, flush pending writes, close the store.
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { buildApp } from './app.js';
import { trackConnections } from './connections.js';
import { createGateway, type Gateway } from './gateway.js';
import { createLogger } from './logger.js';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly gateway: Gateway;
  readonly logger: Logger;
  /** Graceful stop; resolves once everything is closed. Safe to call twice. */
  close(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const gateway = await createGateway(config, logger);
  const app = buildApp(gateway, logger);
  const connections = trackConnections(app.server);
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await gateway.close();
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const deadline = setTimeout(() => {
        logger.warn({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown deadline reached; closing remaining connections');
        connections.destroyAll();
      }, config.shutdownTimeoutMs);
      deadline.unref();
      try {
        const closed = app.close();
        // app.close() has stopped the listener; now let each connection go once it is idle.
        connections.drain();
        await closed;
      } finally {
        clearTimeout(deadline);
        await gateway.close();
        logger.flush();
      }
    })());

  return { url: `http://${host}:${port}`, port, app, gateway, logger, close };
}

/** For `bodhi serve`: SIGTERM/SIGINT trigger the graceful stop, a second signal forces exit. */
export function handleSignals(server: RunningServer): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      server.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    server.logger.info({ signal }, 'shutting down: no new connections, waiting for in-flight requests');
    server.close().then(
      () => process.exit(0),
      (err) => {
        server.logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
