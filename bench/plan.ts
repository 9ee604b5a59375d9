// How long each part of the benchmark runs: the full run (under 5 minutes) and --quick (under
// 60 s); the router cases (#19) add about 55 s and 20 s to them, the WebSocket cases (#20) about
// 25 s and 18 s (ws-delay 12 s / 8 s, ws-sessions 5-8 s, ws-loop 3 s / 2 s). Both alternate the
// targets in short rounds so machine drift hits all alike.

export interface Plan {
  name: 'full' | 'quick';
  /** Split into two load runs (see warmUp). */
  warmupS: number;
  throughput: { rounds: number; seconds: number; connections: number };
  fixedRate: { rounds: number; seconds: number; rate: number; connections: number };
  streaming: { rounds: number; streams: number; concurrency: number; events: number; intervalMs: number };
  manyStreams: { streams: number; events: number; intervalMs: number; rampMs: number };
  /** Router vs API model (#19): the gateway named by model id and by a one-target router, alternating. */
  router: { rounds: number; seconds: number; connections: number };
  /**
   * Router fallback (#19): sequential calls, one every intervalMs at most, `calls` per series and
   * round, the three series (API model, fallback router, refused connect) interleaved call by call.
   */
  fallback: { rounds: number; calls: number; intervalMs: number };
  /**
   * WebSocket per-frame delay (#20): `sessions` native sessions through the gateway vs as many
   * straight to the upstream, alternating in rounds; each session runs `turns` turns of `events`
   * frames `intervalMs` apart per round.
   */
  wsDelay: { rounds: number; sessions: number; turns: number; events: number; intervalMs: number };
  /** `sessions` native sessions open at once (opened `openConcurrency` at a time), one turn each, started over `rampMs`. */
  wsSessions: { sessions: number; openConcurrency: number; events: number; intervalMs: number; rampMs: number };
  /** Agent loop (#20): `turns` turns of `events` events (sent back to back), over WebSocket and over HTTP, `loops` loops per series and round. */
  wsLoop: { rounds: number; loops: number; turns: number; events: number };
}

export const FULL: Plan = {
  name: 'full',
  warmupS: 3,
  throughput: { rounds: 5, seconds: 2, connections: 64 },
  fixedRate: { rounds: 5, seconds: 2, rate: 500, connections: 16 },
  streaming: { rounds: 4, streams: 40, concurrency: 20, events: 100, intervalMs: 10 },
  // 2,000 streams of 50 events 100 ms apart: 20,000 events/s through one hop, all open at once.
  manyStreams: { streams: 2000, events: 50, intervalMs: 100, rampMs: 1000 },
  router: { rounds: 8, seconds: 2, connections: 64 },
  fallback: { rounds: 5, calls: 400, intervalMs: 2 },
  wsDelay: { rounds: 5, sessions: 20, turns: 1, events: 100, intervalMs: 5 },
  wsSessions: { sessions: 1000, openConcurrency: 50, events: 20, intervalMs: 100, rampMs: 1000 },
  wsLoop: { rounds: 5, loops: 10, turns: 10, events: 20 },
};

export const QUICK: Plan = {
  name: 'quick',
  warmupS: 1.5,
  throughput: { rounds: 3, seconds: 1, connections: 64 },
  fixedRate: { rounds: 3, seconds: 0.8, rate: 500, connections: 16 },
  streaming: { rounds: 2, streams: 20, concurrency: 20, events: 100, intervalMs: 10 },
  manyStreams: { streams: 2000, events: 15, intervalMs: 100, rampMs: 1000 },
  router: { rounds: 4, seconds: 1, connections: 64 },
  fallback: { rounds: 3, calls: 300, intervalMs: 2 },
  wsDelay: { rounds: 3, sessions: 20, turns: 1, events: 100, intervalMs: 5 },
  wsSessions: { sessions: 1000, openConcurrency: 50, events: 20, intervalMs: 100, rampMs: 1000 },
  wsLoop: { rounds: 3, loops: 6, turns: 10, events: 20 },
};
