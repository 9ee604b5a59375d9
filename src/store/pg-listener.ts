// A dedicated PostgreSQL connection that LISTENs on one channel and re-establishes itself
// whenever it drops (server restart, pg_terminate_backend, network blip), with backoff.
// Pooled connections can't LISTEN: a notification is only delivered to the session that
// asked for it, and the pool hands sessions out and recycles them.
import pg from 'pg';
import type { StoreLog } from './log.js';

export interface PgListenerOptions {
  connectionString: string;
  /** A plain lower-case identifier (it is interpolated into LISTEN). */
  channel: string;
  onNotify: (payload: string | undefined) => void;
  /** After every successful (re)connect: notifications sent while disconnected are lost. */
  onListening: (reconnected: boolean) => void;
  log?: StoreLog;
  minRetryMs?: number;
  maxRetryMs?: number;
}

export type ListenerState = 'connecting' | 'listening' | 'reconnecting' | 'closed';

export class PgListener {
  private client: pg.Client | undefined;
  private timer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private everListened = false;
  /** Only the first failure of an outage is logged; the next success is. */
  private failing = false;
  state: ListenerState = 'connecting';

  constructor(private readonly opts: PgListenerOptions) {
    if (!/^[a-z_][a-z0-9_]*$/.test(opts.channel)) throw new Error(`invalid channel name '${opts.channel}'`);
    this.retryMs = opts.minRetryMs ?? 100;
  }

  start(): void {
    void this.connect();
  }

  async close(): Promise<void> {
    this.state = 'closed';
    clearTimeout(this.timer);
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  /** A method, not a field read: TypeScript would otherwise keep its narrowing across awaits. */
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  private async connect(): Promise<void> {
    if (this.isClosed()) return;
    const client = new pg.Client({
      connectionString: this.opts.connectionString,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
      connectionTimeoutMillis: 5_000,
      application_name: 'bodhi-gateway-listen',
    });
    this.client = client;
    let dropped = false;
    const drop = (err?: unknown) => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      if (this.isClosed()) return;
      if (!this.failing) {
        this.failing = true;
        this.opts.log?.warn({ err }, 'config notifications: connection lost; reconnecting (polling continues meanwhile)');
      }
      this.state = 'reconnecting';
      this.timer = setTimeout(() => void this.connect(), this.retryMs);
      this.timer.unref();
      this.retryMs = Math.min(this.retryMs * 2, this.opts.maxRetryMs ?? 2_000);
    };
    client.on('error', drop);
    client.on('end', () => drop(new Error('connection ended')));
    client.on('notification', (msg) => {
      if (msg.channel === this.opts.channel) this.opts.onNotify(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.opts.channel}`);
    } catch (err) {
      drop(err);
      return;
    }
    if (dropped) return;
    if (this.isClosed()) {
      await client.end().catch(() => undefined);
      return;
    }
    const reconnected = this.everListened;
    this.everListened = true;
    this.state = 'listening';
    this.retryMs = this.opts.minRetryMs ?? 100;
    if (this.failing) this.opts.log?.info({}, 'config notifications: listening again');
    this.failing = false;
    this.opts.onListening(reconnected);
  }
}
