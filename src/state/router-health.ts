// Which router targets take calls right now, as this instance sees them. A target answering
// with `retry-after` (or `retry-after-ms`) is skipped for that long (up to the router's
// max_retry_after_ms); one that fails `failure_threshold` times within `failure_window_ms` is
// skipped for `cooldown_ms`. When a skip ends the target gets one trial call: success makes it
// healthy, failure starts another cooldown. Kept in memory per instance: instances learn of an
// upstream's trouble from their own calls, which costs each at most `failure_threshold` failures.
import type { LiveRouter, LiveRouterTarget } from './registry.js';

export interface HealthEvents {
  cooldownStarted(router: string, target: string): void;
}

interface TargetState {
  /** Times of recent failures (within the router's window), oldest first. */
  failures: number[];
  /** Skipped until then (epoch ms); 0 when not cooling down. */
  until: number;
  /** A cooldown ended and its one trial call is in flight. */
  trial: boolean;
}

export interface TargetHealthView {
  target: string;
  healthy: boolean;
  /** When its cooldown ends (ISO time), or null. */
  cooling_until: string | null;
  recent_failures: number;
}

export class RouterHealth {
  /**
   * By router id, then target label: two lookups with strings that already exist (their hashes
   * are kept), where one composite key would be built and hashed on every call.
   */
  private readonly states = new Map<string, Map<string, TargetState>>();

  constructor(
    private readonly events: HealthEvents,
    private readonly now: () => number = Date.now,
  ) {}

  private find(router: LiveRouter, target: LiveRouterTarget): TargetState | undefined {
    return this.states.get(router.id)?.get(target.label);
  }

  private state(router: LiveRouter, target: LiveRouterTarget): TargetState {
    let byLabel = this.states.get(router.id);
    if (!byLabel) this.states.set(router.id, (byLabel = new Map()));
    let s = byLabel.get(target.label);
    if (!s) byLabel.set(target.label, (s = { failures: [], until: 0, trial: false }));
    return s;
  }

  /**
   * Whether the target may take this call. After a cooldown the first caller gets the trial
   * call and must report how it went (`succeeded`, `failed` or `released`).
   */
  admit(router: LiveRouter, target: LiveRouterTarget): boolean {
    const s = this.find(router, target);
    if (!s || s.until === 0) return true;
    if (s.until > this.now() || s.trial) return false;
    s.trial = true;
    return true;
  }

  /** The earliest time a target of this router is admitted again (epoch ms), for Retry-After. */
  nextAvailableAt(router: LiveRouter): number {
    let at = Infinity;
    for (const t of router.targets) {
      if (!t.enabled) continue;
      const s = this.find(router, t);
      at = Math.min(at, s ? s.until : 0);
    }
    return at;
  }

  succeeded(router: LiveRouter, target: LiveRouterTarget): void {
    const s = this.find(router, target);
    if (!s) return;
    s.failures.length = 0;
    s.until = 0;
    s.trial = false;
  }

  /** `retryAfterMs`: what the upstream asked for, if anything. */
  failed(router: LiveRouter, target: LiveRouterTarget, retryAfterMs: number | null): void {
    const s = this.state(router, target);
    const now = this.now();
    let skipFor = 0;
    if (retryAfterMs !== null && retryAfterMs > 0) skipFor = Math.min(retryAfterMs, router.maxRetryAfterMs);
    if (s.trial) {
      skipFor = Math.max(skipFor, router.cooldownMs);
    } else {
      s.failures.push(now);
      while (s.failures.length && s.failures[0]! <= now - router.failureWindowMs) s.failures.shift();
      if (s.failures.length >= router.failureThreshold) skipFor = Math.max(skipFor, router.cooldownMs);
    }
    s.trial = false;
    if (skipFor <= 0) return;
    s.until = Math.max(s.until, now + skipFor);
    s.failures.length = 0;
    this.events.cooldownStarted(router.name, target.label);
  }

  /** The admitted call ended without saying anything about the target (the client left). */
  released(router: LiveRouter, target: LiveRouterTarget): void {
    const s = this.find(router, target);
    if (s) s.trial = false;
  }

  view(router: LiveRouter): TargetHealthView[] {
    const now = this.now();
    return router.targets.map((t) => {
      const s = this.find(router, t);
      const cooling = !!s && s.until > now;
      return {
        target: t.label,
        healthy: !cooling,
        cooling_until: cooling ? new Date(s.until).toISOString() : null,
        recent_failures: s ? s.failures.filter((at) => at > now - router.failureWindowMs).length : 0,
      };
    });
  }
}

/** Milliseconds an upstream asked to wait (`retry-after-ms`, else `retry-after` seconds or date); null if it did not. */
export function retryAfterMs(headers: readonly string[], now = Date.now()): number | null {
  let seconds: string | undefined;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!.toLowerCase();
    if (name === 'retry-after-ms') {
      const ms = Number(headers[i + 1]);
      if (Number.isFinite(ms) && ms >= 0) return ms;
    } else if (name === 'retry-after') {
      seconds = headers[i + 1];
    }
  }
  if (seconds === undefined) return null;
  const value = seconds.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}
