// `bodhi serve --workers N` (N > 1): a node:cluster primary and N worker processes serving one
// port (the primary holds the listen socket and hands connections to the workers). Each worker
// is today's whole gateway (startServer) on the shared store; the primary serves no requests.
// What must be one for the whole server lives in the primary, asked over the cluster's IPC:
//   - rate limits: the one RateLimiter; a worker asks only for tokens that have a limit (one
//     round trip), so a limit holds across workers (not N x it);
//   - metrics: /metrics on any worker answers for the whole server: the primary collects every
//     started worker's registry (getMetricsAsJSON) and sums them with prom-client's
//     AggregatorRegistry.aggregate, as its cluster support does (but asking only workers that
//     have started, so a worker being restarted cannot stall a scrape); BODHI_METRICS_PORT
//     listens here;
//   - lifecycle: migrations (and the key file) once before the workers start; SIGTERM/SIGINT
//     drain every worker (each its own graceful stop), bounded by the shutdown timeout; a
//     worker that dies is logged and restarted with a backoff.
// Everything else is shared through the store as between PostgreSQL instances: tokens and
// models made by the CLI (config sync, and an unknown name checks at once in each worker),
// routing records, the request log, usage. WebSocket session limits are counted by the primary
// too (one round trip per session opened).
import cluster, { type Worker } from 'node:cluster';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { AggregatorRegistry, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client';
import { RateLimiter, rateLimited, type RateLimits } from '../auth/rate-limit.js';
import type { Config } from '../config.js';
import { keyForConfig } from '../crypto/secret-box.js';
import type { GatewayError } from '../errors/catalogue.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/types.js';
import type { SessionSlots } from '../pipeline/websocket/sessions.js';
import { createLogger } from './logger.js';
import { listenMetrics, startServer, type RunningServer } from './start.js';

/** Set in each worker's environment: its number, 1..N. */
const WORKER_ENV = 'BODHI_WORKER';
/** How long a worker waits for the primary's answer before failing the request. */
const ASK_TIMEOUT_MS = 5_000;
/** A worker that dies is restarted after 250 ms, doubling per quick death up to 30 s. */
const RESTART_MIN_MS = 250;
const RESTART_MAX_MS = 30_000;
/** A worker that ran this long before dying counts as healthy: its restart is quick again. */
const HEALTHY_RUN_MS = 30_000;
/** After the shutdown timeout, workers get this much longer to exit before they are killed. */
const EXIT_GRACE_MS = 5_000;

type Question = { bodhi: 'rate'; token: string; rpm: number } | { bodhi: 'metrics' } | { bodhi: 'ws-take'; token?: string | undefined };
type Ask = Question & { id: number };
type Answer = { bodhi: 'answer'; id: number; waitMs?: number; contentType?: string; body?: string; refused?: 'sessions' | 'token'; error?: string };
type Command = { bodhi: 'stop' } | { bodhi: 'collect'; id: number };
/** Worker -> primary, unasked: started (its registry can be collected); its registry's metrics. */
type Report = { bodhi: 'ready' } | { bodhi: 'collected'; id: number; metrics?: WorkerMetrics; error?: string } | { bodhi: 'ws-release'; token?: string | undefined };
type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];
/** A scrape waits this long for every worker's registry, then fails (a gap, not a false reset). */
const COLLECT_TIMEOUT_MS = 5_000;

/** Whether this process is a worker of `bodhi serve --workers N`. */
export function isClusterWorker(): boolean {
  return process.env[WORKER_ENV] !== undefined && cluster.isWorker;
}

export interface ClusterOptions {
  /** The primary's start-up line, once every worker listens (the store is open for it). */
  announce?: (logger: Logger, url: string, store: Store, extra: Record<string, unknown>) => Promise<void>;
  logger?: Logger;
}

/** Runs `bodhi serve` as the cluster primary (config.workers > 1) or, in a forked process, as one worker. */
export async function serveCluster(config: Config, opts: ClusterOptions = {}): Promise<void> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  if (isClusterWorker()) await runWorker(config, logger, Number(process.env[WORKER_ENV]));
  else await runPrimary(config, logger, opts.announce);
}

// ---------------------------------------------------------------------------------------------
// Primary

async function runPrimary(config: Config, logger: Logger, announce: ClusterOptions['announce']): Promise<void> {
  // Once, before any worker: the key file (created if missing) and the schema's migrations.
  // The store stays open until the start-up line is written (it says whether an admin token
  // exists); on an early exit the process ends with it open, which is harmless.
  keyForConfig(config);
  const store = await openStore(config, logger);

  const limiter = new RateLimiter();
  const sessionSlots = new SessionCounts(config.websocket.maxSessions, config.websocket.maxSessionsPerToken);
  // Workers that have started (their registries can be collected), and scrapes in progress.
  const ready = new Set<Worker>();
  const collections = new Map<number, { waiting: Set<Worker>; parts: WorkerMetrics[]; settle: (err?: Error) => void }>();
  let nextCollection = 1;
  const renderAll = () =>
    new Promise<{ contentType: string; body: string }>((resolve, reject) => {
      const id = nextCollection++;
      const waiting = new Set([...ready].filter((w) => w.isConnected()));
      const parts: WorkerMetrics[] = [];
      const timer = setTimeout(() => settle(new Error(`metrics: ${waiting.size} worker(s) did not answer within ${COLLECT_TIMEOUT_MS} ms`)), COLLECT_TIMEOUT_MS);
      let settled = false;
      const settle = (err?: Error) => {
        if (settled) return;
        settled = true;
        collections.delete(id);
        clearTimeout(timer);
        if (err) return reject(err);
        const registry = AggregatorRegistry.aggregate(parts);
        registry
          .metrics()
          .then((body) => resolve({ contentType: Registry.PROMETHEUS_CONTENT_TYPE, body }), reject);
      };
      collections.set(id, { waiting, parts, settle });
      if (waiting.size === 0) return settle();
      for (const w of waiting) w.send({ bodhi: 'collect', id } satisfies Command);
    });
  const collected = (worker: Worker, report: Extract<Report, { bodhi: 'collected' }>) => {
    const c = collections.get(report.id);
    if (!c || !c.waiting.delete(worker)) return;
    if (report.error !== undefined) return c.settle(new Error(`metrics: worker: ${report.error}`));
    c.parts.push(report.metrics ?? []);
    if (c.waiting.size === 0) c.settle();
  };
  /** A worker that exits is no longer waited for (its counts leave the totals, as a restarted process's do). */
  const gone = (worker: Worker) => {
    ready.delete(worker);
    for (const c of collections.values()) if (c.waiting.delete(worker) && c.waiting.size === 0) c.settle();
  };
  const workers = new Map<number, { worker: Worker; startedAt: number }>();
  const quickDeaths = new Map<number, number>();
  let stopping = false;
  let started = false;
  let metricsServer: Server | undefined;

  const answer = (worker: Worker, msg: Answer) => {
    if (worker.isConnected()) worker.send(msg);
  };
  const onMessage = (worker: Worker, msg: unknown) => {
    const ask = msg as Ask | Report;
    if (ask?.bodhi === 'ready') ready.add(worker);
    else if (ask?.bodhi === 'ws-take') answer(worker, { bodhi: 'answer', id: ask.id, refused: sessionSlots.take(worker.id, ask.token) });
    else if (ask?.bodhi === 'ws-release') sessionSlots.release(worker.id, ask.token);
    else if (ask?.bodhi === 'collected') collected(worker, ask);
    else if (ask?.bodhi === 'rate') {
      answer(worker, { bodhi: 'answer', id: ask.id, waitMs: limiter.wait(ask.token, ask.rpm) });
    } else if (ask?.bodhi === 'metrics') {
      renderAll().then(
        ({ contentType, body }) => answer(worker, { bodhi: 'answer', id: ask.id, contentType, body }),
        (err: unknown) => answer(worker, { bodhi: 'answer', id: ask.id, error: err instanceof Error ? err.message : String(err) }),
      );
    }
  };

  const fork = (index: number) => {
    const worker = cluster.fork({ [WORKER_ENV]: String(index) });
    workers.set(index, { worker, startedAt: Date.now() });
    worker.on('message', (msg: unknown) => onMessage(worker, msg));
    worker.on('exit', (code, signal) => {
      const startedAt = workers.get(index)?.startedAt ?? Date.now();
      workers.delete(index);
      gone(worker);
      sessionSlots.forget(worker.id);
      if (stopping) {
        // A worker that did not stop cleanly makes the primary's exit code 1 too.
        if (code !== 0) exitCode = 1;
        logger.info({ worker: index, pid: worker.process.pid, code, signal }, 'worker stopped');
        if (workers.size === 0) finish(0);
        return;
      }
      if (!started) {
        logger.error({ worker: index, pid: worker.process.pid, code, signal }, 'worker exited while starting; stopping');
        void stopAll(1);
        return;
      }
      const deaths = Date.now() - startedAt < HEALTHY_RUN_MS ? (quickDeaths.get(index) ?? 0) + 1 : 1;
      quickDeaths.set(index, deaths);
      const delayMs = Math.min(RESTART_MAX_MS, RESTART_MIN_MS * 2 ** (deaths - 1));
      logger.error({ worker: index, pid: worker.process.pid, code, signal, restartInMs: delayMs }, 'worker died; restarting it');
      setTimeout(() => {
        if (!stopping) fork(index);
      }, delayMs).unref();
    });
    return worker;
  };

  let exitCode = 0;
  let exiting = false;
  const finish = (code: number) => {
    if (exiting) return;
    exiting = true;
    const done = () => {
      logger.flush();
      process.exit(Math.max(code, exitCode));
    };
    if (metricsServer) metricsServer.close(done);
    else done();
  };
  const stopAll = (code: number) => {
    exitCode = Math.max(exitCode, code);
    if (stopping) return;
    stopping = true;
    for (const { worker } of workers.values()) if (worker.isConnected()) worker.send({ bodhi: 'stop' } satisfies Command);
    if (workers.size === 0) return finish(code);
    setTimeout(() => {
      logger.warn({ pids: [...workers.values()].map((w) => w.worker.process.pid) }, 'workers still running after the shutdown timeout; killing them');
      for (const { worker } of workers.values()) worker.process.kill('SIGKILL');
      exitCode = 1;
    }, config.shutdownTimeoutMs + EXIT_GRACE_MS).unref();
  };

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: killing the workers and exiting now');
      for (const { worker } of workers.values()) worker.process.kill('SIGKILL');
      logger.flush();
      process.exit(1);
    }
    logger.info({ signal, workers: workers.size }, 'shutting down: every worker stops accepting and finishes its in-flight requests');
    stopAll(0);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  // Every worker listens on the same port (port 0: the primary picks one, and all share it).
  const listening = new Promise<{ port: number }>((resolve) => {
    let count = 0;
    let port = 0;
    const onListening = (_worker: Worker, address: { port: number }) => {
      port = address.port;
      if (++count === config.workers) {
        cluster.off('listening', onListening);
        resolve({ port });
      }
    };
    cluster.on('listening', onListening);
  });
  for (let i = 1; i <= config.workers; i++) fork(i);
  const { port } = await listening;
  if (stopping) return;
  started = true;
  if (config.metricsPort !== undefined) {
    try {
      metricsServer = await listenMetrics(renderAll, config.metricsHost, config.metricsPort);
    } catch (err) {
      logger.error({ err }, 'cannot listen for metrics; stopping');
      stopAll(1);
      return;
    }
  }
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  const pids = [...workers.values()].map((w) => w.worker.process.pid);
  const extra = { workers: config.workers, pids, metricsPort: metricsServer ? (metricsServer.address() as { port: number }).port : undefined };
  try {
    if (announce) await announce(logger, url, store, extra);
    else logger.info({ url, home: config.home, ...extra }, `Bodhi Gateway listening on ${url}`);
  } finally {
    await store.close().catch(() => undefined);
  }
  logger.flush();
}

/** WebSocket sessions open over all workers, overall and per token, and which worker holds them. */
class SessionCounts {
  private total = 0;
  private readonly perToken = new Map<string, number>();
  private readonly byWorker = new Map<number, { count: number; tokens: string[] }>();

  constructor(
    private readonly maxSessions: number,
    private readonly maxPerToken: number,
  ) {}

  take(worker: number, token: string | undefined): 'sessions' | 'token' | undefined {
    if (this.total >= this.maxSessions) return 'sessions';
    if (token !== undefined && (this.perToken.get(token) ?? 0) >= this.maxPerToken) return 'token';
    this.total++;
    if (token !== undefined) this.perToken.set(token, (this.perToken.get(token) ?? 0) + 1);
    let held = this.byWorker.get(worker);
    if (!held) this.byWorker.set(worker, (held = { count: 0, tokens: [] }));
    held.count++;
    if (token !== undefined) held.tokens.push(token);
    return undefined;
  }

  release(worker: number, token: string | undefined): void {
    const held = this.byWorker.get(worker);
    if (!held || held.count === 0) return;
    if (token !== undefined) {
      const i = held.tokens.indexOf(token);
      if (i < 0) return;
      held.tokens.splice(i, 1);
      const left = (this.perToken.get(token) ?? 1) - 1;
      if (left > 0) this.perToken.set(token, left);
      else this.perToken.delete(token);
    }
    held.count--;
    this.total--;
  }

  /** A worker exited: its sessions are gone with it. */
  forget(worker: number): void {
    const held = this.byWorker.get(worker);
    if (!held) return;
    for (const token of [...held.tokens]) this.release(worker, token);
    while (held.count > 0) this.release(worker, undefined);
    this.byWorker.delete(worker);
  }
}

// ---------------------------------------------------------------------------------------------
// Worker

/** A worker's questions to the primary: each a message with an id, answered by id. */
class PrimaryLink {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (a: Answer) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor() {
    process.on('message', (msg: unknown) => {
      const a = msg as Answer;
      if (a?.bodhi !== 'answer') return;
      const p = this.pending.get(a.id);
      if (!p) return;
      this.pending.delete(a.id);
      clearTimeout(p.timer);
      if (a.error !== undefined) p.reject(new Error(a.error));
      else p.resolve(a);
    });
    process.on('disconnect', () => {
      for (const p of this.pending.values()) {
        clearTimeout(p.timer);
        p.reject(new Error('the cluster primary is gone'));
      }
      this.pending.clear();
    });
  }

  ask(question: Question): Promise<Answer> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!process.connected || !process.send) return reject(new Error('the cluster primary is gone'));
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error('the cluster primary did not answer in time'));
      }, ASK_TIMEOUT_MS);
      this.pending.set(id, { resolve, reject, timer });
      process.send({ ...question, id });
    });
  }
}

/** Rate limits counted by the primary for the whole server. */
class PrimaryRateLimits implements RateLimits {
  constructor(private readonly link: PrimaryLink) {}

  async take(tokenId: string, rpm: number): Promise<GatewayError | undefined> {
    const { waitMs = 0 } = await this.link.ask({ bodhi: 'rate', token: tokenId, rpm });
    return waitMs > 0 ? rateLimited(rpm, waitMs) : undefined;
  }
}

/** WebSocket session limits counted by the primary for the whole server. */
class PrimarySessionSlots implements SessionSlots {
  constructor(private readonly link: PrimaryLink) {}

  async take(tokenId: string | undefined): Promise<'sessions' | 'token' | undefined> {
    return (await this.link.ask({ bodhi: 'ws-take', token: tokenId })).refused;
  }

  release(tokenId: string | undefined): void {
    if (process.connected) process.send?.({ bodhi: 'ws-release', token: tokenId } satisfies Report);
  }
}

async function runWorker(config: Config, primaryLogger: Logger, index: number): Promise<void> {
  // Every line this worker logs (access log included) says which worker wrote it.
  const logger = primaryLogger.child({ worker: index });
  const link = new PrimaryLink();
  let server: RunningServer | undefined;
  let stopping = false;
  const stop = (why: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ why }, 'worker shutting down: no new connections, waiting for in-flight requests');
    if (!server) process.exit(0);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  // The primary says when to stop; a signal sent to the whole process group (Ctrl-C, systemd)
  // means the same, and more signals change nothing: the primary enforces the deadline.
  process.on('message', (msg: unknown) => {
    if ((msg as Command)?.bodhi === 'stop') stop('asked by the primary');
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('disconnect', () => stop('the primary is gone'));

  try {
    server = await startServer({ ...config, metricsPort: undefined }, logger, { worker: { index, rateLimits: new PrimaryRateLimits(link), sessionSlots: new PrimarySessionSlots(link) } });
  } catch (err) {
    // The IPC channel would keep this process alive: exit, and the primary reports it.
    logger.error({ err }, 'worker could not start');
    logger.flush();
    process.exit(1);
  }
  const registry = server.gateway.metrics.registry;
  process.on('message', (msg: unknown) => {
    const command = msg as Command;
    if (command?.bodhi !== 'collect' || !process.connected) return;
    registry.getMetricsAsJSON().then(
      (metrics) => process.send?.({ bodhi: 'collected', id: command.id, metrics } satisfies Report),
      (err: unknown) => process.send?.({ bodhi: 'collected', id: command.id, error: err instanceof Error ? err.message : String(err) } satisfies Report),
    );
  });
  process.send?.({ bodhi: 'ready' } satisfies Report);
  server.gateway.metrics.renderWith(async () => {
    const { contentType = '', body = '' } = await link.ask({ bodhi: 'metrics' });
    return { contentType, body };
  });
  logger.info({ url: server.url, pid: process.pid }, `worker ${index} serving`);
  logger.flush();
}
