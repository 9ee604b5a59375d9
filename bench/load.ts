// Non-streaming load. Closed-loop throughput with autocannon, whose latencies are taken from its
// per-response event (float ms from hrtime) because its own histogram rounds to whole
// milliseconds, too coarse for sub-millisecond budgets. Fixed-rate load with an evenly paced
// open-loop client: autocannon's overallRate sends each second's quota back to back at the top
// of the second (a per-second counter in its httpClient), which measures bursts, not a rate.
import autocannon from 'autocannon';
import { Pool, type Dispatcher } from 'undici';
import { treeCpuMs } from './proc.js';
import { Samples } from './stats.js';
import { MODEL, type Target } from './targets.js';

export interface LoadOptions {
  connections: number;
  durationS: number;
}

export interface LoadResult {
  requests: number;
  /** Socket errors, timeouts and non-2xx answers. */
  errors: number;
  rps: number;
  latency: Samples;
  /** CPU time of the hop process over the run, ms (null for direct). */
  hopCpuMs: number | null;
}

/** The request body, naming `model` (an API model's model id, or a router's name). */
export const requestBody = (model: string) =>
  JSON.stringify({
    model,
    instructions: 'You are a concise assistant. Answer in one short paragraph.',
    input: [{ role: 'user', content: 'Why does a pass-through gateway need to be measured against a bare proxy?' }],
    max_output_tokens: 256,
    temperature: 1,
    store: true,
  });
export const REQUEST_BODY = requestBody(MODEL);

export async function runLoad(target: Target, opts: LoadOptions): Promise<LoadResult> {
  const latency = new Samples();
  const cpuBefore = target.pid ? treeCpuMs(target.pid) : 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${target.origin}/v1/responses`,
        method: 'POST',
        headers: { ...target.headers, 'content-type': 'application/json' },
        body: target.model ? requestBody(target.model) : REQUEST_BODY,
        connections: opts.connections,
        duration: opts.durationS,
        timeout: 10,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latency.add(ms);
    });
  });
  const elapsedS = (performance.now() - started) / 1000;
  const hopCpuMs = target.pid ? treeCpuMs(target.pid) - cpuBefore : null;
  return {
    requests: latency.count,
    errors: result.errors + result.timeouts + result.non2xx,
    rps: latency.count / elapsedS,
    latency,
    hopCpuMs,
  };
}

export interface PacedOptions {
  rate: number;
  durationS: number;
  /** Keep-alive connections the client may use. */
  connections: number;
}

/** Sends one request every 1/rate s for durationS (open loop: a slow answer does not delay the next send). */
export async function runPaced(target: Target, opts: PacedOptions): Promise<LoadResult> {
  const pool = new Pool(target.origin, { connections: opts.connections, pipelining: 1, keepAliveTimeout: 60_000 });
  const headers = { ...target.headers, 'content-type': 'application/json' };
  const body = target.model ? requestBody(target.model) : REQUEST_BODY;
  const latency = new Samples();
  let errors = 0;
  const one = () =>
    new Promise<void>((done) => {
      const t0 = performance.now();
      let status = 0;
      const handler: Dispatcher.DispatchHandler = {
        onConnect() {},
        onHeaders(statusCode) {
          status = statusCode;
          return true;
        },
        onData() {
          return true;
        },
        onComplete() {
          if (status >= 200 && status < 300) latency.add(performance.now() - t0);
          else errors++;
          done();
        },
        onError() {
          errors++;
          done();
        },
      };
      pool.dispatch({ origin: target.origin, path: '/v1/responses', method: 'POST', headers, body }, handler);
    });

  // Warm the connections first, so the run measures requests, not TCP set-up.
  await Promise.all(Array.from({ length: opts.connections }, one));
  latency.reset();
  errors = 0;

  const cpuBefore = target.pid ? treeCpuMs(target.pid) : 0;
  const total = Math.round(opts.rate * opts.durationS);
  const intervalMs = 1000 / opts.rate;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  await new Promise<void>((finish) => {
    let sent = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor((performance.now() - started) / intervalMs) + 1);
      while (sent < due) {
        inFlight.push(one());
        sent++;
      }
      if (sent < total) setTimeout(tick, Math.max(0, started + sent * intervalMs - performance.now()));
      else finish();
    };
    tick();
  });
  await Promise.all(inFlight);
  const elapsedS = (performance.now() - started) / 1000;
  const hopCpuMs = target.pid ? treeCpuMs(target.pid) - cpuBefore : null;
  await pool.close();
  return { requests: latency.count, errors, rps: latency.count / elapsedS, latency, hopCpuMs };
}
