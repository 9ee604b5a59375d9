// Runs the spec's curl + jq create-then-poll loop against a real gateway, with two Responses
// API models configured so that routing really depends on the routing record.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const SCRIPT = fileURLToPath(new URL('./spec-create-poll.sh', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));

function runBash(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', args, { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}
const runScript = (env: Record<string, string>) => runBash([SCRIPT], env);

/** Step 4 of the README's walk-through, as written there (from `# 4.` up to `# 5.`). */
function readmeStep4(): string {
  const text = readFileSync(README, 'utf8');
  const start = text.indexOf('# 4. ');
  const end = text.indexOf('# 5. ', start);
  if (start < 0 || end < 0) throw new Error('README walk-through step 4 not found');
  return text.slice(start, end);
}

describe("the spec's curl create-then-poll loop", () => {
  let gw: TestGateway;
  let up: FakeUpstream;
  let other: FakeUpstream;
  let token: string;
  beforeAll(async () => {
    // Steps long enough that the first poll finds the response still running, even on a busy machine.
    up = await startFakeUpstream({ backgroundStepMs: 200 });
    other = await startFakeUpstream();
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'main', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['your-responses-alias', 'gpt-5'] });
    await gw.addApiModel({ name: 'other', api_format: 'openai_responses', base_url: other.url, api_key: other.apiKey, models: ['other-alias'] });
    token = await gw.createToken('curl-user');
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([up.close(), other.close()]);
  });

  it('works as written (synchronous response)', async () => {
    const r = await runScript({ BASE: gw.url, BODHI_TOKEN: token, POLL_INTERVAL: '0.05' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Created response: resp_[0-9a-f]+\nStatus: completed\n/);
    expect(r.stdout).toContain('Echo: Plan a 3-day Tokyo itinerary.');
  });

  it("README step 4 runs as written: polls a background response until it is done, then prints its output", async () => {
    const step = readmeStep4();
    expect(step).toContain('"background": true');
    // Only the address and the pace change; the model is the README's own.
    const script = step.replaceAll('http://localhost:1135', gw.url).replaceAll('sleep 2', 'sleep 0.02');
    const r = await runBash(['-c', script], { BODHI_TOKEN: token });
    expect(r.code, r.stderr).toBe(0);
    const statuses = [...r.stdout.matchAll(/^Status: (\w+)$/gm)].map((m) => m[1]);
    expect(statuses.length).toBeGreaterThan(1);
    expect(statuses.at(-1)).toBe('completed');
    expect(r.stdout).toContain('Echo: Plan a 3-day Tokyo itinerary.');
  });

  it('polls a background response through queued/in_progress to completed, without ?model=', async () => {
    const r = await runScript({ BASE: gw.url, BODHI_TOKEN: token, BACKGROUND: 'true', POLL_INTERVAL: '0.02' });
    expect(r.code, r.stderr).toBe(0);
    const statuses = [...r.stdout.matchAll(/^Status: (\w+)$/gm)].map((m) => m[1]);
    expect(statuses.at(-1)).toBe('completed');
    expect(statuses.length).toBeGreaterThan(1);
    expect(up.requests.filter((q) => q.method === 'GET').every((q) => !q.url.includes('model='))).toBe(true);
    expect(other.requests).toHaveLength(0);
  });
});
