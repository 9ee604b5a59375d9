// Codex CLI, the real binary, against a gateway on loopback: the README's two config.toml files
// (the built-in `openai` provider with `openai_base_url`, and a custom provider with
// `supports_websockets = true`), each with an API model bridged over HTTP and one whose upstream
// has WebSocket mode (native relay), and a gateway with WebSockets switched off (426: Codex falls
// back to HTTP at once). `codex exec` must finish its turn with the fake's echo, and the gateway's
// request log must show the response as a WebSocket row with its usage. With the fake's
// `toolCalls`, Codex also runs a command the fake asks for and sends its output back on the same
// socket (previous_response_id with store: false), bridged and native.
//
// Codex comes from CODEX_BIN when set (any version); otherwise @openai/codex@CODEX_VERSION is
// installed from npm once into the OS temp dir (~165 MB download, a few seconds on CI's network).
// Codex is kept off the network but for loopback: its plugin sync, apps and analytics are off,
// and HTTP(S)_PROXY points at a local listener that refuses (and records) anything else.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestLogEntry } from '../../src/store/types.js';
import { startFakeResponsesWs, type FakeResponsesWs } from '../support/fake-responses-ws.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { waitFor } from '../support/wait.js';

const CODEX_VERSION = '0.171.0';
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const RUN_TIMEOUT_MS = 60_000;

type Json = Record<string, any>;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Run> {
  return new Promise((resolve) => {
    const started = performance.now();
    // stdin closed: `codex exec` reads a piped stdin to the end before it starts.
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: stderr + String(err), ms: performance.now() - started });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** CODEX_BIN, or the pinned version installed from npm (once per machine). */
async function codexBinary(): Promise<string> {
  const given = process.env.CODEX_BIN;
  if (given) return given;
  const dir = join(tmpdir(), `bodhi-codex-cli-${CODEX_VERSION}`);
  const bin = join(dir, 'node_modules', '.bin', 'codex');
  const installed = await run(bin, ['--version'], { timeoutMs: 20_000 });
  if (installed.code === 0 && installed.stdout.includes(CODEX_VERSION)) return bin;
  // Installed beside it and renamed into place, so a run cut short or a concurrent run never
  // leaves a half-installed directory behind.
  const staging = mkdtempSync(`${dir}.staging-`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const res = await run(npm, ['install', '--prefix', staging, '--no-audit', '--no-fund', '--loglevel=error', `@openai/codex@${CODEX_VERSION}`], {
    env: process.env,
    timeoutMs: 170_000,
  });
  if (res.code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`npm install @openai/codex@${CODEX_VERSION} failed (${res.code}): ${res.stderr}`);
  }
  console.log(`installed @openai/codex@${CODEX_VERSION} in ${Math.round(res.ms)} ms`);
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(staging, dir);
  } catch {
    // Another run put its copy in place first: use that one.
    rmSync(staging, { recursive: true, force: true });
  }
  return bin;
}

/** The README's Codex CLI section: its two config.toml blocks, in order. */
function readmeConfigs(): { builtin: string; custom: string } {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('\n## Codex CLI\n');
  const end = text.indexOf('\n## ', start + 5);
  if (start < 0 || end < 0) throw new Error('README section "Codex CLI" not found');
  const blocks = [...text.slice(start, end).matchAll(/```toml\n([\s\S]*?)```/g)].map((m) => m[1]!);
  if (blocks.length !== 2) throw new Error(`expected two toml blocks in the README's Codex CLI section, found ${blocks.length}`);
  return { builtin: blocks[0]!, custom: blocks[1]! };
}

/** A local proxy that refuses every request and remembers its first line. */
async function refusingProxy(): Promise<{ url: string; seen: string[]; close(): Promise<void> }> {
  const seen: string[] = [];
  const server = net.createServer((c) => {
    c.on('error', () => undefined);
    c.once('data', (d) => {
      seen.push(d.toString('latin1').split('\r\n')[0]!);
      c.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\nconnection: close\r\n\r\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe(`Codex CLI (${process.env.CODEX_BIN ? 'CODEX_BIN' : CODEX_VERSION}) against the gateway`, () => {
  let codex: string;
  let up: FakeUpstream;
  let native: FakeResponsesWs;
  let gw: TestGateway;
  let off: TestGateway;
  let proxy: Awaited<ReturnType<typeof refusingProxy>>;
  let scratch: string;
  const configs = readmeConfigs();

  beforeAll(async () => {
    codex = await codexBinary();
    scratch = mkdtempSync(join(tmpdir(), 'bodhi-codex-'));
    proxy = await refusingProxy();
    up = await startFakeUpstream({ eventDelayMs: 1, toolCalls: true });
    native = await startFakeResponsesWs(up);
    gw = await startTestGateway();
    off = await startTestGateway({}, { BODHI_WEBSOCKETS: 'off' });
    for (const g of [gw, off]) {
      await g.addApiModel({ name: 'bridged', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
    }
    await gw.addApiModel({ name: 'native', api_format: 'openai_responses', base_url: native.url, api_key: up.apiKey, models: ['gpt-native'], websocket: true });
  }, 180_000);

  afterAll(async () => {
    await gw?.close();
    await off?.close();
    await native?.close();
    await up?.close();
    await proxy?.close();
    if (proxy) console.log(`requests Codex tried beyond loopback: ${JSON.stringify(proxy.seen)}`);
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  /**
   * One `codex exec --json` run with a README config.toml (its URL and model swapped in); its
   * turn must finish with `reply`, after `responses` responses of the fake (10 + 5 tokens each).
   */
  async function codexExec(
    g: TestGateway,
    variant: 'builtin' | 'custom',
    model: string,
    prompt: string,
    reply: (text: string) => boolean = (text) => text === `Echo: ${prompt}`,
    responses = 1,
  ): Promise<{ run: Run; events: Json[]; token: string; tokenName: string }> {
    const tokenName = `codex-${variant}-${model}-${Math.random().toString(36).slice(2, 8)}`;
    const token = await g.createToken(tokenName);
    const home = mkdtempSync(join(scratch, 'home-'));
    const codexHome = join(home, '.codex');
    mkdirSync(codexHome);
    const fromReadme = configs[variant].replaceAll('http://localhost:1135', g.url).replace(/^model = ".*"$/m, `model = "${model}"`);
    // Top-level keys first (the README block ends inside a table), tables after it.
    const toml = [
      'approval_policy = "never"',
      'sandbox_mode = "read-only"',
      'check_for_update_on_startup = false',
      fromReadme,
      '[features]\nplugins = false\nremote_plugin = false\napps = false\n',
      '[analytics]\nenabled = false\n',
    ].join('\n');
    writeFileSync(join(codexHome, 'config.toml'), toml);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: home,
      CODEX_HOME: codexHome,
      RUST_LOG: 'warn',
      HTTP_PROXY: proxy.url,
      HTTPS_PROXY: proxy.url,
      ALL_PROXY: proxy.url,
      http_proxy: proxy.url,
      https_proxy: proxy.url,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      ...(variant === 'builtin' ? { CODEX_API_KEY: token } : { BODHI_TOKEN: token }),
    };
    const res = await run(codex, ['exec', '--skip-git-repo-check', '--ephemeral', '--json', prompt], { cwd: home, env, timeoutMs: RUN_TIMEOUT_MS });
    const events = res.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Json);
    const diagnosis = `codex exit ${res.code} after ${Math.round(res.ms)} ms\nstdout:\n${res.stdout}\nstderr:\n${res.stderr.slice(-4000)}`;
    expect(res.code, diagnosis).toBe(0);
    const message = events.find((e) => e.type === 'item.completed' && e.item?.type === 'agent_message')?.item.text as unknown;
    expect(typeof message === 'string' && reply(message), diagnosis).toBe(true);
    expect(events.find((e) => e.type === 'turn.completed')?.usage, diagnosis).toMatchObject({ input_tokens: 10 * responses, output_tokens: 5 * responses });
    return { run: res, events, token, tokenName };
  }

  async function rowsOf(g: TestGateway, tokenName: string, until: (rows: RequestLogEntry[]) => boolean): Promise<RequestLogEntry[]> {
    let rows: RequestLogEntry[] = [];
    await waitFor(
      async () => {
        await g.server.gateway.requestLog.flush();
        rows = (await g.server.gateway.store.listRequestLogs({ limit: 5_000 })).filter((r) => r.tokenName === tokenName);
        return until(rows);
      },
      5_000,
      `request-log rows of ${tokenName}`,
    );
    return rows;
  }

  /** The turn went through the WebSocket: a WS row with the usage, and no HTTP call to /v1/responses. */
  async function expectWebSocketTurn(tokenName: string, apiModel: string): Promise<RequestLogEntry[]> {
    const rows = await rowsOf(gw, tokenName, (r) => r.some((x) => x.method === 'WS' && x.inputTokens !== null));
    const turn = rows.find((r) => r.method === 'WS' && r.inputTokens !== null)!;
    expect(turn).toMatchObject({ route: '/v1/responses', apiModelName: apiModel, status: 200, outcome: 'completed', inputTokens: 10, outputTokens: 5 });
    expect(turn.responseId).toMatch(/^resp_/);
    expect(rows.filter((r) => r.method !== 'WS')).toEqual([]);
    return rows;
  }

  for (const variant of ['builtin', 'custom'] as const) {
    describe(variant === 'builtin' ? 'the built-in openai provider with openai_base_url' : 'a custom provider with supports_websockets = true', () => {
      it('finishes a turn over the WebSocket, bridged to an upstream without WebSocket mode', async () => {
        const before = up.requests.length;
        const { tokenName } = await codexExec(gw, variant, 'gpt-5', `hello bridged ${variant}`);
        await expectWebSocketTurn(tokenName, 'bridged');
        // The bridge made it one streamed POST with Codex's store: false.
        const posted = up.requests.slice(before).filter((r) => r.url === '/v1/responses');
        expect(posted).toHaveLength(1);
        expect(JSON.parse(posted[0]!.body.toString())).toMatchObject({ model: 'gpt-5', stream: true, store: false });
      });

      it('finishes a turn over the WebSocket, relayed natively to an upstream with WebSocket mode', async () => {
        const frames = native.received.length;
        const { tokenName } = await codexExec(gw, variant, 'gpt-native', `hello native ${variant}`);
        await expectWebSocketTurn(tokenName, 'native');
        // Codex's frames reached the upstream's socket: a warm-up, then the turn continuing it.
        const sent = native.received.slice(frames).map((f) => JSON.parse(f.data.toString()) as Json);
        expect(sent.map((f) => [f.type, f.generate ?? null])).toEqual([
          ['response.create', false],
          ['response.create', null],
        ]);
        expect(sent[1]!.previous_response_id).toMatch(/^resp_/);
      });
    });
  }

  describe('a tool call (the fake asks Codex to run a command, then echoes its output)', () => {
    const prompt = 'call exec_command {"cmd":"echo tool-ran"}';
    /** The function call's id, and the function_call_output Codex sent back for it. */
    const callRoundTrip = (bodies: Json[]) => {
      const output = bodies.flatMap((b) => (Array.isArray(b.input) ? b.input : [])).find((i: Json) => i.type === 'function_call_output') as Json | undefined;
      return output?.call_id as string | undefined;
    };

    it('runs it and continues the response over the same socket, bridged', async () => {
      const before = up.requests.length;
      const { events, tokenName } = await codexExec(gw, 'custom', 'gpt-5', prompt, (text) => text.startsWith('Echo: '), 2);
      expect(events.some((e) => e.type === 'item.completed' && e.item?.type === 'command_execution')).toBe(true);
      const rows = await rowsOf(gw, tokenName, (r) => r.filter((x) => x.method === 'WS' && x.inputTokens !== null).length >= 2);
      expect(rows.every((r) => r.method === 'WS')).toBe(true);
      // Codex sent only the tool's output with previous_response_id (store: false); the bridge
      // gave the upstream the whole conversation, the function call included.
      const bodies = up.requests.slice(before).filter((r) => r.url === '/v1/responses').map((r) => JSON.parse(r.body.toString()) as Json);
      expect(bodies).toHaveLength(2);
      const second = bodies[1]!;
      expect(second.previous_response_id).toBeUndefined();
      const call = (second.input as Json[]).find((i) => i.type === 'function_call')!;
      expect(call).toMatchObject({ name: 'exec_command', arguments: '{"cmd":"echo tool-ran"}' });
      expect(callRoundTrip([second])).toBe(call.call_id);
    });

    it('runs it and continues the response over the same socket, native', async () => {
      const frames = native.received.length;
      const { events, tokenName } = await codexExec(gw, 'custom', 'gpt-native', prompt, (text) => text.startsWith('Echo: '), 2);
      expect(events.some((e) => e.type === 'item.completed' && e.item?.type === 'command_execution')).toBe(true);
      await rowsOf(gw, tokenName, (r) => r.filter((x) => x.method === 'WS' && x.inputTokens !== null).length >= 2);
      const sent = native.received.slice(frames).map((f) => JSON.parse(f.data.toString()) as Json);
      // Warm-up, the turn, then the tool's output alone, continuing the function call's response.
      expect(sent).toHaveLength(3);
      expect(sent[2]!.previous_response_id).toMatch(/^resp_/);
      expect((sent[2]!.input as Json[]).map((i) => i.type)).toEqual(['function_call_output']);
      expect(callRoundTrip([sent[2]!])).toMatch(/^call_/);
    });
  });

  it('falls back to HTTP at once when WebSockets are off (426)', async () => {
    const { tokenName } = await codexExec(off, 'custom', 'gpt-5', 'hello over http');
    const rows = await rowsOf(off, tokenName, (r) => r.some((x) => x.method === 'POST' && x.inputTokens !== null));
    // One refused upgrade, then the turn as POST /v1/responses; nothing over WS, no retries.
    expect(rows.filter((r) => r.status === 426)).toHaveLength(1);
    expect(rows.filter((r) => r.method === 'WS')).toEqual([]);
    expect(rows.find((r) => r.method === 'POST')).toMatchObject({ route: '/v1/responses', status: 200, inputTokens: 10, outputTokens: 5 });
  });

  it('leaves no WebSocket session open once Codex has exited', async () => {
    await waitFor(async () => {
      const metrics = await (await gw.call('/metrics')).text();
      return /^bodhi_websocket_sessions 0$/m.test(metrics) && /^bodhi_websocket_frames_total\{direction="in"\} [1-9]/m.test(metrics);
    }, 5_000, 'bodhi_websocket_sessions 0 after the runs');
  });
});
