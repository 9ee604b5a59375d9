// The WebSocket cases (#20), against the gateway only, all to the bench's lean upstream, whose
// WebSocket mode sends a response's events as text frames, each stamped with its send time
// (`bench_sent_at`, the same wall clock as here):
//  - delay: sessions through the gateway to an API model with `websocket: true` (frames relayed
//    natively) vs sessions straight to the upstream's WebSocket, alternating in rounds (the
//    order rotates every round); per frame, arrival time here − send time upstream. Added
//    delay = gateway − direct per round (p50, p99), then the median over rounds.
//  - sessions: 1,000 native sessions through the gateway opened with bounded concurrency, then
//    one turn each with the starts spread over a ramp shorter than a turn, so all turns overlap
//    while every session is open; errors of any kind counted, the gateway's RSS read from /proc
//    before, at peak and with all sessions open after their turns.
//  - loop: the same agent loop (N turns, each continuing the last with previous_response_id,
//    store: false) over one WebSocket session and over HTTP POST /v1/responses (stream: true,
//    keep-alive connection) through the gateway, alternating loop by loop; time per turn is
//    from sending the create to receiving response.completed. Native and bridged sessions.
import WebSocket from 'ws';
import { Client, type Dispatcher } from 'undici';
import type { Plan } from './plan.js';
import { peakRssMb, resetPeakRss, rssMb } from './proc.js';
import { median, Samples } from './stats.js';
import { MODEL, WS_MODEL, type Target } from './targets.js';

export interface WsDelayFigures {
  /** Medians over rounds of each round's percentile, ms. */
  direct: { p50: number; p99: number };
  gateway: { p50: number; p99: number };
  /** gateway − direct, paired per round, median over rounds. */
  addedP50: number;
  addedP99: number;
  /** Per round, added p99 (to show the spread). */
  addedP99s: number[];
  /** The response.created frames alone (the gateway holds each until its routing record is committed), added p50/p99. */
  createdAddedP50: number;
  createdAddedP99: number;
  /** Every other frame (the relay itself, and frames queued behind a held response.created), added p50/p99. */
  restAddedP50: number;
  restAddedP99: number;
  frames: number;
  errors: number;
  firstError: string | undefined;
}

export interface WsSessionsFigures {
  sessions: number;
  opened: number;
  turns: number;
  errors: number;
  firstError: string | undefined;
  /** Most turns in flight at once. */
  peakTurns: number;
  openSeconds: number;
  seconds: number;
  rssBeforeMb: number;
  /** All sessions open, every turn done. */
  rssOpenMb: number;
  peakRssMb: number;
  /** After all sessions closed. */
  rssClosedMb: number;
  /** (rssOpen − rssBefore) / sessions, KB. */
  kbPerSession: number;
  delayP50: number;
  delayP99: number;
}

export interface LoopSeries {
  /** Medians over rounds, ms. */
  mean: number;
  p50: number;
  p99: number;
  /** Mean of each loop's first turn (a native session dials its upstream then), ms. */
  firstTurn: number;
  /** Median over rounds of this series / HTTP in the same round (mean, p50). */
  meanRatio: number;
  p50Ratio: number;
  turns: number;
  errors: number;
}

export interface WsLoopFigures {
  turnsPerLoop: number;
  events: number;
  http: LoopSeries;
  native: LoopSeries;
  bridged: LoopSeries;
  firstError: string | undefined;
}

const log = (msg: string) => process.stderr.write(`${msg}\n`);
const fmt = (n: number, digits = 2) => n.toFixed(digits);
const wallNow = () => performance.timeOrigin + performance.now();
const MARK = Buffer.from('"bench_sent_at":');
const COMPLETED = Buffer.from('"type":"response.completed"');
const CREATED = Buffer.from('"type":"response.created"');
const ERROR = Buffer.from('"type":"error"');
const RESPONSE_ID = /"id":"(resp_[^"]+)"/;
const INPUT = [{ role: 'user', content: 'Run the next step of the plan.' }];

/** Where a series' sessions go: a WebSocket URL, its upgrade headers and the model the frames name. */
interface WsEnd {
  url: string;
  headers: Record<string, string>;
  model: string;
}

const wsEnd = (target: Target, model: string, events: number, intervalMs: number): WsEnd => ({
  url: `${target.origin.replace(/^http/, 'ws')}/v1/responses`,
  headers: { ...target.headers, 'x-bench-events': String(events), 'x-bench-interval-ms': String(intervalMs) },
  model,
});

const createFrame = (model: string, extra: Record<string, unknown> = {}) => JSON.stringify({ type: 'response.create', model, input: INPUT, ...extra });

/** One client WebSocket: a turn at a time, each frame's delay recorded while `delays` is set. */
class Session {
  delays: Samples | undefined;
  /** When set, the delays of response.created frames and of all others, apart as well. */
  split: { created: Samples; rest: Samples } | undefined;
  closed: string | undefined;
  private pending: { resolve: (r: { ms: number; id: string | undefined }) => void; reject: (e: Error) => void; t0: number; frames: number; want: number } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => this.frame(data));
    ws.on('close', (code, reason) => {
      this.closed = `closed ${code} ${reason.toString()}`;
      this.pending?.reject(new Error(`session ${this.closed} during a turn`));
      this.pending = undefined;
    });
    ws.on('error', (err) => {
      this.closed ??= err.message;
    });
  }

  static open(end: WsEnd): Promise<Session> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(end.url, { headers: end.headers, perMessageDeflate: false, handshakeTimeout: 20_000 });
      const session = new Session(ws);
      ws.once('open', () => resolve(session));
      ws.once('error', reject);
      ws.once('unexpected-response', (req, res) => {
        req.destroy();
        reject(new Error(`upgrade answered HTTP ${res.statusCode}`));
      });
    });
  }

  private frame(data: Buffer): void {
    const at = wallNow();
    const i = data.indexOf(MARK);
    if (i >= 0 && this.delays) {
      const delay = at - parseFloat(data.toString('latin1', i + MARK.length, i + MARK.length + 32));
      this.delays.add(delay);
      if (this.split) (data.indexOf(CREATED) >= 0 ? this.split.created : this.split.rest).add(delay);
    }
    const p = this.pending;
    if (!p) return;
    p.frames++;
    if (data.indexOf(COMPLETED) >= 0) {
      this.pending = undefined;
      if (p.frames !== p.want) p.reject(new Error(`turn ended after ${p.frames} of ${p.want} frames`));
      else p.resolve({ ms: performance.now() - p.t0, id: RESPONSE_ID.exec(data.toString('latin1'))?.[1] });
    } else if (data.indexOf(ERROR) >= 0) {
      this.pending = undefined;
      p.reject(new Error(`error frame: ${data.toString('utf8').slice(0, 300)}`));
    }
  }

  /** Sends a create; resolves at its response.completed (after `want` frames) with the time and the response id. */
  turn(frame: string, want: number): Promise<{ ms: number; id: string | undefined }> {
    if (this.closed) return Promise.reject(new Error(`session ${this.closed}`));
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, t0: performance.now(), frames: 0, want };
      this.ws.send(frame);
    });
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const force = setTimeout(() => this.ws.terminate(), 5_000);
      this.ws.once('close', () => (clearTimeout(force), resolve()));
      this.ws.close(1000);
    });
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `extra`: more fields for every create frame (e.g. `{ store: false }`). */
export async function measureWsDelay(gateway: Target, direct: Target, plan: Plan, extra: Record<string, unknown> = {}): Promise<WsDelayFigures> {
  const { rounds, sessions, turns, events, intervalMs } = plan.wsDelay;
  const ends = [wsEnd(direct, MODEL, events, intervalMs), wsEnd(gateway, WS_MODEL, events, intervalMs)] as const;
  const frame = ends.map((e) => createFrame(e.model, extra));
  // Each series keeps its sessions across rounds (bound and warm after one turn each).
  const pools = await Promise.all(ends.map((e) => Promise.all(Array.from({ length: sessions }, () => Session.open(e)))));
  let errors = 0;
  let firstError: string | undefined;
  const fail = (err: unknown) => {
    errors++;
    firstError ??= err instanceof Error ? err.message : String(err);
  };
  // Warm-up: a round's worth of turns per series, not recorded (JIT on the relay path).
  for (let s = 0; s < 2; s++) for (let t = 0; t < turns; t++) await Promise.all(pools[s]!.map((x) => x.turn(frame[s]!, events).catch(fail)));
  if (errors) throw new Error(`ws-delay warm-up: ${errors} turns failed (${firstError})`);
  errors = 0;
  firstError = undefined;
  type Row = { p50: number[]; p99: number[]; createdP50: number[]; createdP99: number[]; restP50: number[]; restP99: number[]; frames: number };
  const row = (): Row => ({ p50: [], p99: [], createdP50: [], createdP99: [], restP50: [], restP99: [], frames: 0 });
  const rows: [Row, Row] = [row(), row()];
  const turnMs = events * intervalMs;
  try {
    for (let round = 0; round < rounds; round++) {
      for (const s of round % 2 ? [1, 0] : [0, 1]) {
        const delays = new Samples();
        const split = { created: new Samples(), rest: new Samples() };
        // The sessions' turns start spread over one turn's length, as independent clients'.
        await Promise.all(
          pools[s]!.map(async (x, i) => {
            await sleep((turnMs * i) / sessions);
            x.delays = delays;
            x.split = split;
            for (let t = 0; t < turns; t++) await x.turn(frame[s]!, events).catch(fail);
            x.delays = undefined;
            x.split = undefined;
          }),
        );
        const r = rows[s]!;
        r.p50.push(delays.percentile(50));
        r.p99.push(delays.percentile(99));
        r.createdP50.push(split.created.percentile(50));
        r.createdP99.push(split.created.percentile(99));
        r.restP50.push(split.rest.percentile(50));
        r.restP99.push(split.rest.percentile(99));
        r.frames += delays.count;
      }
      const [d, g] = rows;
      log(
        `  round ${round + 1}/${rounds}: frame delay p50/p99 direct ${fmt(d.p50[round]!, 3)}/${fmt(d.p99[round]!, 3)} ms, ` +
          `gateway ${fmt(g.p50[round]!, 3)}/${fmt(g.p99[round]!, 3)} ms`,
      );
    }
  } finally {
    await Promise.all(pools.flat().map((x) => x.close()));
  }
  if (errors) log(`  ${errors} turns failed (${firstError})`);
  const [d, g] = rows;
  const added = (k: keyof Omit<Row, 'frames'>) => g[k].map((v, i) => v - d[k][i]!);
  return {
    direct: { p50: median(d.p50), p99: median(d.p99) },
    gateway: { p50: median(g.p50), p99: median(g.p99) },
    addedP50: median(added('p50')),
    addedP99: median(added('p99')),
    addedP99s: added('p99'),
    createdAddedP50: median(added('createdP50')),
    createdAddedP99: median(added('createdP99')),
    restAddedP50: median(added('restP50')),
    restAddedP99: median(added('restP99')),
    frames: g.frames,
    errors,
    firstError,
  };
}

/** `model`: what the frames name (default WS_MODEL; MODEL for a direct WebSocket to the upstream). */
export async function measureWsSessions(gateway: Target, plan: Plan, model = WS_MODEL): Promise<WsSessionsFigures> {
  const { sessions, openConcurrency, events, intervalMs, rampMs } = plan.wsSessions;
  const pid = gateway.pid!;
  const end = wsEnd(gateway, model, events, intervalMs);
  const frame = createFrame(end.model);
  let errors = 0;
  let firstError: string | undefined;
  const fail = (err: unknown) => {
    errors++;
    firstError ??= err instanceof Error ? err.message : String(err);
  };
  const rssBeforeMb = rssMb(pid);
  const canReset = resetPeakRss(pid);
  let sampledPeak = rssBeforeMb;
  const tick = setInterval(() => (sampledPeak = Math.max(sampledPeak, rssMb(pid))), 100);
  const open: Session[] = [];
  const delays = new Samples();
  const t0 = performance.now();
  let openSeconds = 0;
  let turns = 0;
  let inFlight = 0;
  let peakTurns = 0;
  let rssOpenMb = NaN;
  try {
    // Bounded concurrency while opening: `openConcurrency` handshakes at a time.
    let next = 0;
    await Promise.all(
      Array.from({ length: openConcurrency }, async () => {
        while (next < sessions) {
          next++;
          try {
            const s = await Session.open(end);
            s.delays = delays;
            open.push(s);
          } catch (err) {
            fail(err);
          }
        }
      }),
    );
    openSeconds = (performance.now() - t0) / 1000;
    // One turn each, started over the ramp: a turn lasts events × interval, longer than the ramp, so they overlap.
    await Promise.all(
      open.map(async (s, i) => {
        await sleep((rampMs * i) / open.length);
        inFlight++;
        peakTurns = Math.max(peakTurns, inFlight);
        try {
          await s.turn(frame, events);
          turns++;
        } catch (err) {
          fail(err);
        } finally {
          inFlight--;
        }
      }),
    );
    // Every session still open (a close in between is an error), the turns done: what the open sessions cost.
    await sleep(300);
    for (const s of open) if (s.closed) fail(new Error(`session ${s.closed} before the bench closed it`));
    rssOpenMb = rssMb(pid);
  } finally {
    clearInterval(tick);
    await Promise.all(open.map((s) => s.close()));
  }
  const seconds = (performance.now() - t0) / 1000;
  const peak = canReset ? Math.max(peakRssMb(pid), sampledPeak) : sampledPeak;
  await sleep(500);
  const rssClosedMb = rssMb(pid);
  log(
    `  ${open.length}/${sessions} opened in ${fmt(openSeconds, 1)} s, ${turns} turns, ${errors} errors${firstError ? ` (${firstError})` : ''}, ${peakTurns} turns at once; ` +
      `RSS ${fmt(rssBeforeMb, 0)} MB before, ${fmt(rssOpenMb, 0)} MB all open, peak ${fmt(peak, 0)} MB, ${fmt(rssClosedMb, 0)} MB after closing`,
  );
  return {
    sessions,
    opened: open.length,
    turns,
    errors,
    firstError,
    peakTurns,
    openSeconds,
    seconds,
    rssBeforeMb,
    rssOpenMb,
    peakRssMb: peak,
    rssClosedMb,
    kbPerSession: ((rssOpenMb - rssBeforeMb) * 1024) / sessions,
    delayP50: delays.percentile(50),
    delayP99: delays.percentile(99),
  };
}

/** One streamed HTTP turn through a keep-alive client: its time to the end of the stream and the response id. */
function httpTurn(client: Client, headers: Record<string, string>, body: string, want: number): Promise<{ ms: number; id: string | undefined }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let status = 0;
    let id: string | undefined;
    let completed = false;
    let events = 0;
    let text = '';
    const handler: Dispatcher.DispatchHandler = {
      onConnect() {},
      onHeaders(statusCode) {
        status = statusCode;
        return true;
      },
      onData(chunk: Buffer) {
        text += chunk.toString('latin1');
        return true;
      },
      onComplete() {
        const ms = performance.now() - t0;
        id = RESPONSE_ID.exec(text)?.[1];
        completed = text.includes('"type":"response.completed"');
        for (let i = text.indexOf('\ndata: '); i >= 0; i = text.indexOf('\ndata: ', i + 1)) events++;
        if (status !== 200) reject(new Error(`status ${status}: ${text.slice(0, 300)}`));
        else if (!completed || events !== want) reject(new Error(`stream ended after ${events} of ${want} events`));
        else resolve({ ms, id });
      },
      onError: reject,
    };
    client.dispatch({ path: '/v1/responses', method: 'POST', headers, body }, handler);
  });
}

export async function measureWsLoop(gateway: Target, plan: Plan): Promise<WsLoopFigures> {
  const { rounds, loops, turns, events } = plan.wsLoop;
  const http = new Client(gateway.origin, { pipelining: 1, keepAliveTimeout: 60_000, bodyTimeout: 0, headersTimeout: 0 });
  const httpHeaders = { ...gateway.headers, 'content-type': 'application/json', 'x-bench-events': String(events), 'x-bench-interval-ms': '0' };
  let firstError: string | undefined;
  type Loop = (samples: Samples, first: number[]) => Promise<number>; // resolves to its error count
  const httpLoop: Loop = async (samples, first) => {
    let previous: string | undefined;
    for (let t = 0; t < turns; t++) {
      const body = JSON.stringify({ model: MODEL, input: INPUT, store: false, stream: true, ...(previous ? { previous_response_id: previous } : {}) });
      try {
        const r = await httpTurn(http, httpHeaders, body, events);
        samples.add(r.ms);
        if (t === 0) first.push(r.ms);
        previous = r.id;
      } catch (err) {
        firstError ??= `HTTP: ${(err as Error).message}`;
        return turns - t;
      }
    }
    return 0;
  };
  const wsLoop =
    (model: string, name: string): Loop =>
    async (samples, first) => {
      const end = wsEnd(gateway, model, events, 0);
      let session: Session;
      try {
        session = await Session.open(end);
      } catch (err) {
        firstError ??= `${name}: ${(err as Error).message}`;
        return turns;
      }
      let previous: string | undefined;
      try {
        for (let t = 0; t < turns; t++) {
          const frame = createFrame(model, { store: false, ...(previous ? { previous_response_id: previous } : {}) });
          try {
            const r = await session.turn(frame, events);
            samples.add(r.ms);
            if (t === 0) first.push(r.ms);
            previous = r.id;
          } catch (err) {
            firstError ??= `${name}: ${(err as Error).message}`;
            return turns - t;
          }
        }
        return 0;
      } finally {
        await session.close();
      }
    };
  const series: [string, Loop][] = [
    ['HTTP', httpLoop],
    ['WS native', wsLoop(WS_MODEL, 'WS native')],
    ['WS bridged', wsLoop(MODEL, 'WS bridged')],
  ];
  type Row = { mean: number[]; p50: number[]; p99: number[]; first: number[]; turns: number; errors: number };
  const rows: Row[] = series.map(() => ({ mean: [], p50: [], p99: [], first: [], turns: 0, errors: 0 }));
  try {
    // Warm-up: JIT on every path, the HTTP connection, the gateway's knowledge of the upstreams.
    for (let i = 0; i < 3; i++) for (const [, loop] of series) await loop(new Samples(), []);
    firstError = undefined;
    for (let round = 0; round < rounds; round++) {
      const samples = series.map(() => new Samples());
      // Loop by loop the series take turns, each first as often as the others.
      for (let l = 0; l < loops; l++)
        for (let j = 0; j < series.length; j++) {
          const s = (l + j + round) % series.length;
          rows[s]!.errors += await series[s]![1](samples[s]!, rows[s]!.first);
        }
      samples.forEach((x, s) => {
        const row = rows[s]!;
        const sorted = x.sorted();
        row.mean.push(sorted.reduce((a, b) => a + b, 0) / sorted.length);
        row.p50.push(x.percentile(50));
        row.p99.push(x.percentile(99));
        row.turns += x.count;
      });
      log(`  round ${round + 1}/${rounds}: time per turn mean/p50 ${series.map(([name], s) => `${name} ${fmt(rows[s]!.mean[round]!, 3)}/${fmt(rows[s]!.p50[round]!, 3)} ms`).join(', ')}`);
    }
  } finally {
    await http.close();
  }
  if (firstError) log(`  failed: ${firstError}`);
  const h = rows[0]!;
  const figures = (row: Row): LoopSeries => ({
    mean: median(row.mean),
    p50: median(row.p50),
    p99: median(row.p99),
    firstTurn: row.first.reduce((a, b) => a + b, 0) / row.first.length,
    meanRatio: median(row.mean.map((v, i) => v / h.mean[i]!)),
    p50Ratio: median(row.p50.map((v, i) => v / h.p50[i]!)),
    turns: row.turns,
    errors: row.errors,
  });
  return { turnsPerLoop: turns, events, http: figures(rows[0]!), native: figures(rows[1]!), bridged: figures(rows[2]!), firstError };
}
