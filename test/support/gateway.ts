// Starts a real gateway in this process on a loopback port with its own temp data dir, and
// captures its log lines so tests can check what was (and was not) logged.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig, type Config } from '../../src/config.js';
import { createLogger } from '../../src/app/logger.js';
import type { GatewayOptions } from '../../src/app/gateway.js';
import { startServer, type RunningServer } from '../../src/app/start.js';
import type { Scope } from '../../src/store/types.js';

export interface TestGateway {
  url: string;
  home: string;
  server: RunningServer;
  logs: string[];
  adminToken: string;
  /** Creates a token through the service layer; returns the token string. */
  createToken(name: string, scope?: Scope, extra?: Record<string, unknown>): Promise<string>;
  /** Adds an API model through the service layer and reloads the caches. */
  addApiModel(input: Record<string, unknown>): Promise<{ id: string; name: string }>;
  /** fetch() against the gateway with a token. */
  call(path: string, init?: RequestInit & { token?: string | null; json?: unknown }): Promise<Response>;
  close(): Promise<void>;
}

export function tempHome(prefix = 'bodhi-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export async function startTestGateway(
  overrides: Partial<Config> = {},
  env: Record<string, string | undefined> = {},
  options: GatewayOptions = {},
): Promise<TestGateway> {
  const home = overrides.home ?? tempHome();
  const config: Config = { ...loadConfig({ home, host: '127.0.0.1', port: 0 }, { BODHI_SYNC_INTERVAL_MS: '100', ...env }), ...overrides };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    },
  });
  const server = await startServer(config, createLogger(config.logLevel === 'info' ? 'debug' : config.logLevel, sink), options);
  const gw = server.gateway;

  const createToken = async (name: string, scope: Scope = 'user', extra: Record<string, unknown> = {}) => {
    const { token } = await gw.tokenService.create({ name, scope, ...extra });
    await gw.sync.reload();
    return token;
  };
  // Unique, so several gateways can share one PostgreSQL database.
  const adminToken = await createToken(`test-admin-${Math.random().toString(36).slice(2, 8)}`, 'admin');

  return {
    url: server.url,
    home,
    server,
    logs,
    adminToken,
    createToken,
    async addApiModel(input) {
      const created = await gw.apiModels.create(input);
      await gw.sync.reload();
      return created;
    },
    call(path, init = {}) {
      const { token = adminToken, json, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      if (json !== undefined) headers.set('content-type', 'application/json');
      return fetch(server.url + path, { ...rest, headers, body: json !== undefined ? JSON.stringify(json) : rest.body });
    },
    async close() {
      await server.close();
      if (!overrides.home) rmSync(home, { recursive: true, force: true });
    },
  };
}
