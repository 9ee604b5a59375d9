// Non-streaming load with autocannon. Latencies are taken from autocannon's per-response event
// (float ms from hrtime) because its own histogram rounds to whole milliseconds, too coarse for
// sub-millisecond budgets.
import autocannon from 'autocannon';
import { cpuMs } from './proc.js';
import { Samples } from './stats.js';
import { MODEL, type Target } from './targets.js';

export interface LoadOptions {
  connections: number;
  durationS: number;
  /** Fixed request rate over all connections; unset means as fast as possible. */
  overallRate?: number;
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

export const REQUEST_BODY = JSON.stringify({
  model: MODEL,
  instructions: 'You are a concise assistant. Answer in one short paragraph.',
  input: [{ role: 'user', content: 'Why does a pass-through gateway need to be measured against a bare proxy?' }],
  max_output_tokens: 256,
  temperature: 1,
  store: true,
});

export async function runLoad(target: Target, opts: LoadOptions): Promise<LoadResult> {
  const latency = new Samples();
  const cpuBefore = target.pid ? cpuMs(target.pid) : 0;
  const started = performance.now();
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${target.origin}/v1/responses`,
        method: 'POST',
        headers: { ...target.headers, 'content-type': 'application/json' },
        body: REQUEST_BODY,
        connections: opts.connections,
        duration: opts.durationS,
        ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
        timeout: 10,
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latency.add(ms);
    });
  });
  const elapsedS = (performance.now() - started) / 1000;
  const hopCpuMs = target.pid ? cpuMs(target.pid) - cpuBefore : null;
  return {
    requests: latency.count,
    errors: result.errors + result.timeouts + result.non2xx,
    rps: latency.count / elapsedS,
    latency,
    hopCpuMs,
  };
}
