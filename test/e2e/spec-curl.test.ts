// Runs the spec's curl + jq create-then-poll loop against a real gateway, with two Responses
// API models configured so that routing really depends on the routing record.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const SCRIPT = fileURLToPath(new URL('./spec-create-poll.sh', import.meta.url));

function runScript(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT], { env: { ...process.env, ...env }, timeout: 20_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("the spec's curl create-then-poll loop", () => {
  let gw: TestGateway;
  let up: FakeUpstream;
  let other: FakeUpstream;
  let token: string;
  beforeAll(async () => {
    up = await startFakeUpstream({ backgroundStepMs: 60 });
    other = await startFakeUpstream();
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'main', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['your-responses-alias'] });
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
