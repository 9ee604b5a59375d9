// Streaming client: opens many SSE streams through a target at once and measures, per stream,
// the time to the response head and, per event, how long after the upstream sent it the event
// arrived here (both processes read the same wall clock: timeOrigin + now). Uses undici's
// dispatch() with a plain handler so the client's own cost stays small and equal for all targets.
import { Pool, type Dispatcher } from 'undici';
import { Samples } from './stats.js';
import { MODEL, type Target } from './targets.js';

export interface StreamOptions {
  streams: number;
  /** Streams open at the same time (and client connections). */
  concurrency: number;
  events: number;
  intervalMs: number;
  /** Spread the first `concurrency` stream starts over this long, as real clients arrive. */
  rampMs?: number;
  /** Called every 100 ms while streams run (e.g. to sample a process's RSS). */
  onTick?: () => void;
  /** A pool to reuse (warm keep-alive connections, as an SDK client has); else a new one, closed after. */
  pool?: Pool;
}

export interface StreamResult {
  completed: number;
  failed: number;
  firstError: string | undefined;
  /** Most streams open at once. */
  peakOpen: number;
  ttfb: Samples;
  eventDelay: Samples;
}

const MARK = '"bench_sent_at":';
const wallNow = () => performance.timeOrigin + performance.now();

export const STREAM_BODY = JSON.stringify({
  model: MODEL,
  input: [{ role: 'user', content: 'Stream me a paragraph about latency budgets.' }],
  max_output_tokens: 256,
  stream: true,
});

export const streamPool = (target: Target, connections: number) =>
  new Pool(target.origin, { connections, pipelining: 1, keepAliveTimeout: 60_000, bodyTimeout: 0, headersTimeout: 0 });

export async function runStreams(target: Target, opts: StreamOptions): Promise<StreamResult> {
  const pool = opts.pool ?? streamPool(target, opts.concurrency);
  const result: StreamResult = { completed: 0, failed: 0, firstError: undefined, peakOpen: 0, ttfb: new Samples(), eventDelay: new Samples() };
  const headers = {
    ...target.headers,
    'content-type': 'application/json',
    'x-bench-events': String(opts.events),
    'x-bench-interval-ms': String(opts.intervalMs),
  };
  let open = 0;
  let started = 0;
  const fail = (why: string) => {
    result.failed++;
    result.firstError ??= why;
  };

  const one = () =>
    new Promise<void>((done) => {
      const t0 = performance.now();
      let status = 0;
      let events = 0;
      let carry = '';
      open++;
      if (open > result.peakOpen) result.peakOpen = open;
      const finish = (why?: string) => {
        open--;
        if (why) fail(why);
        else result.completed++;
        done();
      };
      const handler: Dispatcher.DispatchHandler = {
        onConnect() {},
        onHeaders(statusCode) {
          status = statusCode;
          result.ttfb.add(performance.now() - t0);
          return true;
        },
        onData(chunk: Buffer) {
          const at = wallNow();
          const text = carry + chunk.toString('latin1');
          let i = text.indexOf(MARK);
          let consumed = 0;
          while (i >= 0) {
            const from = i + MARK.length;
            let end = from;
            while (end < text.length && text.charCodeAt(end) !== 0x7d && text.charCodeAt(end) !== 0x2c) end++;
            if (end === text.length) break; // number cut off by the chunk boundary
            result.eventDelay.add(at - Number(text.slice(from, end)));
            events++;
            consumed = end;
            i = text.indexOf(MARK, end);
          }
          carry = text.slice(Math.max(consumed, text.length - MARK.length - 32));
          return true;
        },
        onComplete() {
          if (status !== 200) finish(`status ${status}`);
          else if (events !== opts.events) finish(`stream ended after ${events} of ${opts.events} events`);
          else finish();
        },
        onError(err) {
          finish(err.message);
        },
      };
      pool.dispatch({ origin: target.origin, path: '/v1/responses', method: 'POST', headers, body: STREAM_BODY }, handler);
    });

  const tick = opts.onTick ? setInterval(opts.onTick, 100) : undefined;
  try {
    // Each worker runs streams back to back; workers start spread over the ramp.
    const workers: Promise<void>[] = [];
    const ramp = opts.rampMs ?? 0;
    for (let w = 0; w < opts.concurrency; w++) {
      workers.push(
        (async () => {
          if (ramp) await new Promise((r) => setTimeout(r, (ramp * w) / opts.concurrency));
          while (started < opts.streams) {
            started++;
            await one();
          }
        })(),
      );
    }
    await Promise.all(workers);
  } finally {
    clearInterval(tick);
    if (!opts.pool) await pool.close();
  }
  return result;
}
