import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { clientTimeouts } from '../../src/app/client-limits.js';

describe('client timeouts handed to the HTTP server', () => {
  it('defaults: 10 s for headers, 60 s for the whole request, checked every second; 32 MiB bodies', () => {
    const config = loadConfig({}, {});
    expect(config.bodyLimitBytes).toBe(32 * 1024 * 1024);
    expect(clientTimeouts(config)).toEqual({ headersTimeout: 10_000, requestTimeout: 60_000, connectionsCheckingInterval: 1_000 });
  });

  it('never lets the headers timeout exceed the request timeout (Node would then ignore the request timeout)', () => {
    expect(clientTimeouts({ headersTimeoutMs: 10_000, requestTimeoutMs: 2_000 })).toEqual({ headersTimeout: 2_000, requestTimeout: 2_000, connectionsCheckingInterval: 500 });
    expect(clientTimeouts({ headersTimeoutMs: 0, requestTimeoutMs: 2_000 }).headersTimeout).toBe(2_000);
  });

  it('0 disables a timeout', () => {
    expect(clientTimeouts({ headersTimeoutMs: 5_000, requestTimeoutMs: 0 })).toEqual({ headersTimeout: 5_000, requestTimeout: 0, connectionsCheckingInterval: 1_000 });
    expect(clientTimeouts({ headersTimeoutMs: 0, requestTimeoutMs: 0 })).toEqual({ headersTimeout: 0, requestTimeout: 0, connectionsCheckingInterval: 30_000 });
  });

  it('reads BODHI_HEADERS_TIMEOUT_MS', () => {
    expect(loadConfig({}, { BODHI_HEADERS_TIMEOUT_MS: '1234' }).headersTimeoutMs).toBe(1234);
  });
});
