// Starts a gateway: store, caches, HTTP server; and stops it gracefully: stop accepting, let
// in-flight requests and streams finish up to a deadline, flush pending writes, close the store.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { GATEWAY_ERROR_HEADERS } from '../errors/catalogue.js';
import { buildApp } from './app.js';
import { trackConnections } from './connections.js';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
import { createLogger } from './logger.js';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  readonly app: FastifyInstance;
  readonly gateway: Gateway;
  readonly logger: Logger;
  /** Port of the unauthenticated metrics listener, when BODHI_METRICS_PORT is set. */
  readonly metricsPort: number | undefined;
  /** Graceful stop; resolves once everything is closed. Safe to call twice. */
  close(): Promise<void>;
}

export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel), options: GatewayOptions = {}): Promise<RunningServer> {
  const gateway = await createGateway(config, logger, options);
  const app = buildApp(gateway, logger);
  const connections = trackConnections(app.server);
  try {
    await app.listen({ host: config.host, port: config.port });
    // An upgraded socket is a WebSocket session's: it drains with the sessions (finishing the
    // response in flight), not when its HTTP request ended.
    if (config.websocket.enabled) app.websocketServer.on('connection', (_socket: unknown, req: IncomingMessage) => connections.forget(req.socket));
  } catch (err) {
    await gateway.close();
    throw err;
  }
  const port = (app.server.address() as AddressInfo).port;
  let metricsServer: Server | undefined;
  try {
    if (config.metricsPort !== undefined) metricsServer = await listenMetrics(() => gateway.metrics.render(), config.metricsHost, config.metricsPort);
  } catch (err) {
    // e.g. the metrics port is taken: don't leave the gateway half started.
    await app.close();
    await gateway.close();
    throw err;
  }
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
        // app.close() has stopped the listener; now let each connection go once it is idle, and
        // each WebSocket session once its response in flight has finished.
        connections.drain();
        await Promise.all([closed, gateway.websocketSessions.drain(config.shutdownTimeoutMs)]);
      } finally {
        clearTimeout(deadline);
        if (metricsServer) await new Promise((resolve) => metricsServer.close(resolve));
        await gateway.close();
        logger.flush();
      }
    })());

  const metricsPort = metricsServer ? (metricsServer.address() as AddressInfo).port : undefined;
  return { url: `http://${host}:${port}`, port, app, gateway, logger, metricsPort, close };
}

/**
 * A separate, unauthenticated listener for Prometheus: bind it where only the scraper can reach
 * it. (Under `--workers N` the cluster primary runs it, rendering the aggregate.)
 */
export async function listenMetrics(render: () => Promise<{ contentType: string; body: string }>, host: string, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404, { ...GATEWAY_ERROR_HEADERS, 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    render().then(
      ({ contentType, body }) => res.writeHead(200, { 'content-type': contentType }).end(body),
      () => res.writeHead(500, GATEWAY_ERROR_HEADERS).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
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
      () => {
        server.logger.info({ signal }, 'stopped');
        // Exit once the log is written out, so this line comes last (and at all); never wait long.
        setTimeout(() => process.exit(0), 2000);
        server.logger.flush(() => process.exit(0));
      },
      (err) => {
        server.logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
