// Optional per-token requests-per-minute limits, counted in memory (no database). One process
// counts for itself; under `bodhi serve --workers N` the cluster primary keeps the one
// RateLimiter and the workers ask it (app/cluster.ts), so the limit holds across workers. With
// N separate instances (PostgreSQL) each counts alone: a token can make up to N x its limit. Each
// limited token gets a sliding window of 60 one-second buckets: "at most `rpm` requests in any
// 60 seconds", to the second, in 240 bytes per token, O(1) per request. Tokens without a
// limit never reach this code.
import { GatewayError } from '../errors/catalogue.js';

const BUCKETS = 60;

class SlidingMinute {
  private readonly counts = new Uint32Array(BUCKETS);
  private total = 0;
  /** The absolute second (epoch s) of the newest bucket. */
  private second = 0;

  /** Counts a request if the limit allows it: returns 0, else the milliseconds until it would. */
  take(limit: number, nowMs: number): number {
    const now = Math.floor(nowMs / 1000);
    this.advance(now);
    if (this.total < limit) {
      this.counts[now % BUCKETS]!++;
      this.total++;
      return 0;
    }
    // Wait until enough of the oldest requests have left the window: the bucket of second s
    // leaves it when second s + 60 begins.
    let toFree = this.total - limit + 1;
    for (let s = now - BUCKETS + 1; s <= now; s++) {
      toFree -= this.counts[s % BUCKETS]!;
      if (toFree <= 0) return (s + BUCKETS) * 1000 - nowMs;
    }
    return BUCKETS * 1000;
  }

  private advance(now: number): void {
    const gap = now - this.second;
    if (gap <= 0) return;
    if (gap >= BUCKETS) {
      this.counts.fill(0);
      this.total = 0;
    } else {
      for (let s = this.second + 1; s <= now; s++) {
        this.total -= this.counts[s % BUCKETS]!;
        this.counts[s % BUCKETS] = 0;
      }
    }
    this.second = now;
  }
}

/**
 * Who counts a limited token's requests: this process (a RateLimiter), or the cluster primary
 * (one IPC round trip, so the answer may come as a promise). Either way: the 429 to answer
 * when the token is over its limit, else undefined.
 */
export interface RateLimits {
  take(tokenId: string, rpm: number): GatewayError | undefined | Promise<GatewayError | undefined>;
}

/** One window per limited token that has made a request: bounded by the tokens table. */
export class RateLimiter implements RateLimits {
  private readonly windows = new Map<string, SlidingMinute>();

  /** Counts one request of a limited token; returns the 429 to answer when it is over its limit. */
  take(tokenId: string, rpm: number, nowMs = Date.now()): GatewayError | undefined {
    const waitMs = this.wait(tokenId, rpm, nowMs);
    return waitMs > 0 ? rateLimited(rpm, waitMs) : undefined;
  }

  /** As take, as a number: 0 when counted, else the milliseconds until the token may try again. */
  wait(tokenId: string, rpm: number, nowMs = Date.now()): number {
    let window = this.windows.get(tokenId);
    if (!window) this.windows.set(tokenId, (window = new SlidingMinute()));
    return window.take(rpm, nowMs);
  }
}

/** The 429 for a token over its limit that may try again in `waitMs`. */
export function rateLimited(rpm: number, waitMs: number): GatewayError {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  return new GatewayError('rate_limit_exceeded', `Rate limit reached for this token: ${rpm} requests per minute. Please try again in ${seconds}s.`, {
    headers: { 'retry-after': String(seconds), 'retry-after-ms': String(Math.ceil(waitMs)), 'x-ratelimit-limit-requests': String(rpm), 'x-ratelimit-remaining-requests': '0' },
  });
}
