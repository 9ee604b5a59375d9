/// <reference lib="dom" />
// DOM types: page.evaluate() callbacks run in the browser.
// The web UI in real headless Chromium against a real gateway and the fake upstream: sign in,
// create a Responses API model through the form (fetching its models, testing the connection),
// create a token and use it with curl, stream in the Playground, run in the background and
// cancel, chat, revoke the token (curl gets 401). Then, on a second gateway whose upstream
// reports known usage: the Usage page's totals, chart and tables with the exact numbers, and
// local aliases on the Models page and their own page. One browser for all of it. Screenshots
// of every page at 1280 and 390 wide go to test-output/screenshots/.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { writeTinyGguf } from '../support/tiny-gguf.js';
import { ensureUiBuilt, launchBrowser, screenshot, watchErrors } from './browser.js';

const run = promisify(execFile);
const UPSTREAM_KEY = 'sk-ui-upstream-SECRET-42';

/** curl, as a person would; returns the status code and the body. */
async function curl(url: string, token: string): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-s', '--max-time', '10', '-w', '\n%{http_code}', '-H', `Authorization: Bearer ${token}`, url]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

/** The error message tied to a form control (aria-describedby), or null. */
async function fieldError(page: Page, control: ReturnType<Page['getByRole']>): Promise<string | null> {
  if ((await control.getAttribute('aria-invalid')) !== 'true') return null;
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter((id) => id.endsWith('-error'));
  return ids.length ? page.locator(`[id="${ids[0]}"]`).textContent() : null;
}

const navLink = (page: Page, name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

let browser: Browser;

beforeAll(async () => {
  await ensureUiBuilt();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('web UI', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let userToken = '';

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, eventDelayMs: 40, backgroundStepMs: 700, textDeltas: 8 });
    gw = await startTestGateway();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    errors = watchErrors(page);
  }, 60_000);

  // A failing step leaves a picture of what the browser showed.
  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `FAILED-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await context?.close();
    await gw?.close();
    await upstream?.close();
  });

  const nav = (name: string) => navLink(page, name);

  it('redirects / to the sign-in page and refuses bad or non-admin tokens', async () => {
    await page.goto(gw.url + '/');
    expect(new URL(page.url()).pathname).toBe('/ui/');
    await expect.poll(() => page.title()).toBe('Sign in · Bodhi Gateway');
    await screenshot(page, 'sign-in');

    const field = page.getByLabel('Admin token');
    await expect.poll(() => field.evaluate((el) => el === document.activeElement)).toBe(true);
    await field.fill('sk-bodhiapp_' + 'x'.repeat(43));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').filter({ hasText: /token/i }).waitFor();

    await field.fill(await gw.createToken('not-admin', 'user'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('it is not an admin token').waitFor();

    await field.fill(gw.adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/models');
    await page.getByText('No models yet').waitFor();
    await screenshot(page, 'models-empty');
    // The token is in sessionStorage only.
    expect(await page.evaluate(() => [sessionStorage.length, localStorage.length, document.cookie])).toEqual([1, 0, '']);
  });

  it('creates a Responses API model through the form: field errors, fetch models, test connection', async () => {
    await nav('API Models').click();
    await page.getByText('No API models yet').waitFor();
    await page.getByRole('link', { name: 'Add API model' }).click();
    await page.getByRole('heading', { name: 'Add an API model' }).waitFor();

    // Labels and defaults the issue asks for.
    const format = page.getByRole('combobox', { name: 'API format' });
    expect(await format.locator('option').allTextContents()).toEqual(['OpenAI - Completions', 'OpenAI - Responses', 'Anthropic - Messages', 'Google - Gemini']);
    expect(await page.getByRole('textbox', { name: 'Base URL' }).inputValue()).toBe('https://api.openai.com/v1');
    // WebSocket mode: only for the Responses format; automatic by default, which is on for api.openai.com.
    const websocket = page.getByRole('combobox', { name: 'WebSocket mode' });
    expect(await websocket.locator('option').allTextContents()).toEqual(['Automatic (on for api.openai.com)', 'On', 'Off']);
    expect(await websocket.inputValue()).toBe('auto');
    await page.getByText('Automatic: on for this base URL.').waitFor();
    await format.selectOption({ label: 'OpenAI - Completions' });
    await websocket.waitFor({ state: 'detached' });

    // The gateway's validation error appears next to the field its `param` names.
    await page.getByRole('button', { name: 'Create API model' }).click();
    await page.getByText('Name is required.').waitFor();
    expect(await fieldError(page, page.getByRole('textbox', { name: 'Name', exact: true }))).toBe('Name is required.');

    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('fake-openai');
    await format.selectOption({ label: 'OpenAI - Responses' });
    await page.getByRole('textbox', { name: 'Base URL' }).fill(upstream.url);
    await page.getByText('Automatic: off for this base URL.').waitFor();
    await page.getByRole('button', { name: 'Create API model' }).click();
    await page.getByText('Models must list at least one model id').waitFor();
    expect(await fieldError(page, page.getByRole('textbox', { name: 'Name', exact: true }))).toBeNull();

    // A wrong key: the upstream's own message, next to the models.
    await page.getByLabel('API key').fill('sk-wrong-000');
    await page.getByRole('button', { name: 'Fetch models' }).click();
    await page.getByText('The upstream answered 401: Incorrect API key provided').waitFor();

    await page.getByLabel('API key').fill(UPSTREAM_KEY);
    await page.getByRole('button', { name: 'Fetch models' }).click();
    const available = page.getByRole('list', { name: 'Models available upstream' });
    await available.waitFor();
    expect(await available.getByRole('listitem').allTextContents()).toEqual(['gpt-4.1', 'gpt-4.1-mini', 'gpt-5', 'gpt-5-mini', 'o4-mini', 'text-embedding-3-small'].map((m) => ` ${m}`));
    await available.getByLabel('gpt-5', { exact: true }).check();
    await available.getByLabel('gpt-4.1', { exact: true }).check();
    expect(await page.getByRole('list', { name: 'Selected models' }).getByRole('listitem').allTextContents()).toEqual(['gpt-5×', 'gpt-4.1×']);

    // The billed organization goes with the check, and is stored with the model.
    await page.getByRole('textbox', { name: 'OpenAI organization' }).fill('org-ui');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText("Connected: POST /responses with model 'gpt-5' answered 200.").waitFor();
    expect(JSON.parse(upstream.requests.at(-1)!.body.toString())).toMatchObject({ model: 'gpt-5' });
    expect(upstream.requests.at(-1)!.headers['openai-organization']).toBe('org-ui');
    await screenshot(page, 'api-model-form');
    // Off (the fake upstream has no WebSocket mode): stored as false rather than automatic.
    await websocket.selectOption({ label: 'Off' });

    await page.getByRole('button', { name: 'Create API model' }).click();
    await page.getByRole('heading', { name: 'API Models', level: 1 }).waitFor();
    const row = page.getByRole('row', { name: /fake-openai/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('OpenAI - Responses');
    expect(await row.textContent()).toContain('set');
    expect(await row.textContent()).not.toContain('WebSocket');
    const stored = ((await (await gw.call('/bodhi/v1/api-models')).json()) as { data: { name: string }[] }).data.find((m) => m.name === 'fake-openai');
    expect(stored).toMatchObject({ websocket: false, websocket_effective: false });
    await screenshot(page, 'api-models');
  });

  it('edits with the stored key: "set", test connection without ever seeing it', async () => {
    await page.getByRole('link', { name: 'Edit fake-openai' }).click();
    await page.getByRole('heading', { name: 'Edit fake-openai' }).waitFor();
    await page.getByText('Stored key:').waitFor();
    expect(await page.locator('.key-status').textContent()).toBe('Stored key: set');
    expect(await page.getByRole('radio', { name: 'Keep' }).isChecked()).toBe(true);
    expect(await page.getByRole('textbox', { name: 'OpenAI organization' }).inputValue()).toBe('org-ui');
    expect(await page.getByRole('combobox', { name: 'WebSocket mode' }).inputValue()).toBe('off');
    await page.getByRole('button', { name: 'Test connection' }).click();
    // Said once: "Connected: …", not "Connection works. Connected: …".
    await page.getByText(/^Connected: /).waitFor();
    expect(await page.getByText('Connection works').count()).toBe(0);
    expect(await page.content()).not.toContain(UPSTREAM_KEY);
    await screenshot(page, 'api-model-edit');
    // The stored key only goes to its own base URL: another one asks for the key.
    const baseUrl = page.getByRole('textbox', { name: 'Base URL' });
    const checks = upstream.requests.length;
    await baseUrl.fill(upstream.url.replace('127.0.0.1', 'localhost'));
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/its stored key is only sent there\. Type the key/).waitFor();
    expect(await fieldError(page, baseUrl)).toContain('Type the key (api_key)');
    expect(upstream.requests.length).toBe(checks);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'API Models', level: 1 }).waitFor();
  });

  it('lists the callable models with kind, format and API model', async () => {
    await nav('Models').click();
    await page.getByRole('row', { name: /gpt-5/ }).waitFor();
    const rows = await page.getByRole('row').allTextContents();
    expect(rows.slice(1)).toEqual(['gpt-5APIOpenAI - Responsesfake-openai', 'gpt-4.1APIOpenAI - Responsesfake-openai']);
    await screenshot(page, 'models');
  });

  it('creates a token shown once, which works with curl', async () => {
    await nav('Tokens').click();
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('curl-app');
    await page.getByLabel('Scope').selectOption('user');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('Copy it now: it is shown only this once.').waitFor();
    userToken = await page.getByLabel('New token').inputValue();
    expect(userToken).toMatch(/^sk-bodhiapp_[A-Za-z0-9_-]{43}$/);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByRole('button', { name: /Copied|Ctrl\+C/ }).waitFor();

    const listed = await curl(`${gw.url}/v1/models`, userToken);
    expect(listed.status).toBe(200);
    expect(JSON.parse(listed.body).data.map((m: { id: string }) => m.id)).toEqual(['gpt-5', 'gpt-4.1']);

    await page.reload();
    await page.getByRole('row', { name: /curl-app/ }).waitFor();
    expect(await page.getByLabel('New token').count()).toBe(0); // never shown again
    const row = await page.getByRole('row', { name: /curl-app/ }).textContent();
    expect(row).toContain('user');
    expect(row).toContain('active');
    expect(await page.getByRole('row', { name: /curl-app/ }).locator('td[data-label="Last used"]').textContent()).not.toBe('never'); // just now, by curl
    expect(row).not.toContain(userToken);

    // A token whose expiry has passed is listed as expired, not active.
    await gw.createToken('ui-expired', 'user', { expires_at: new Date(Date.now() + 60_000).toISOString() });
    const store = gw.server.gateway.store;
    const record = (await store.listTokens()).find((t) => t.name === 'ui-expired')!;
    await store.updateToken({ ...record, expiresAt: Date.now() - 1000 });
    await page.reload();
    const expired = page.getByRole('row', { name: /ui-expired/ });
    await expired.waitFor();
    expect(await expired.textContent()).toContain('expired');
    expect(await expired.textContent()).not.toContain('active');
    await screenshot(page, 'tokens');
  });

  it('streams a Responses request live in the Playground', async () => {
    await nav('Playground').click();
    await page.getByLabel('Model').waitFor();
    expect(await page.getByLabel('Model').inputValue()).toBe('gpt-5');
    await page.getByLabel('Input').fill('Tell me about Kyoto temples');
    await page.getByRole('button', { name: 'Send' }).click();
    // Live: text is on screen while the stream has not finished.
    await page.waitForFunction(() => {
      const text = document.querySelector('[data-testid="output-text"]')?.textContent ?? '';
      const events = document.querySelector('[data-testid="events"]')?.textContent ?? '';
      return text.startsWith('Echo:') && !events.includes('response.completed');
    });
    await page.getByText('response.completed').waitFor();
    expect(await page.getByTestId('output-text').textContent()).toBe('Echo: Tell me about Kyoto temples');
    const events = await page.getByTestId('events').locator('code').allTextContents();
    expect(events[0]).toBe('response.created');
    expect(events.filter((e) => e === 'response.output_text.delta').length).toBeGreaterThanOrEqual(5);
    expect(await page.locator('.status .badge').textContent()).toBe('completed');
    await screenshot(page, 'playground-stream');
  });

  it('runs in the background with polling, and cancels', async () => {
    await page.getByLabel('Background').check();
    await page.getByLabel('Input').fill('A long task');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.locator('.status .badge', { hasText: 'queued' }).waitFor();
    await page.locator('.status .badge', { hasText: 'completed' }).waitFor({ timeout: 15_000 });
    expect(await page.locator('.status').textContent()).toMatch(/after \d+ polls?/);
    expect(await page.getByTestId('output-text').textContent()).toBe('Echo: A long task');
    await page.getByText('Final output').click();
    expect(JSON.parse((await page.getByTestId('final-output').textContent())!)[0]).toMatchObject({ type: 'message', role: 'assistant' });
    await screenshot(page, 'playground-background');

    await page.getByLabel('Input').fill('Cancel me');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByRole('button', { name: 'Cancel response' }).click();
    await page.locator('.status .badge', { hasText: 'cancelled' }).waitFor({ timeout: 15_000 });
    const id = await page.getByTestId('response-id').textContent();
    expect(upstream.requests.some((r) => r.url === `/v1/responses/${id}/cancel`)).toBe(true);
  });

  it('streams a chat completion for an openai-format model', async () => {
    await gw.addApiModel({ name: 'fake-chat', api_format: 'openai', base_url: upstream.url, api_key: UPSTREAM_KEY, models: ['gpt-4.1-mini'] });
    await page.reload();
    await page.getByRole('radiogroup', { name: 'API' }).getByText('Chat Completions').click();
    expect(await page.getByRole('radio', { name: 'Chat Completions' }).isChecked()).toBe(true);
    expect(await page.getByLabel('Model').inputValue()).toBe('gpt-4.1-mini');
    await page.getByLabel('Input').fill('Hello chat');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('[DONE]').waitFor();
    expect(await page.getByTestId('output-text').textContent()).toBe('Echo: Hello chat');
    await screenshot(page, 'playground-chat');
  });

  it("an upstream's 401 (wrong provider key) shows as an error in the Playground and does not sign out", async () => {
    await gw.addApiModel({ name: 'wrong-key', api_format: 'openai', base_url: upstream.url, api_key: 'sk-wrong-provider-key', models: ['gpt-wrong'] });
    await page.reload();
    await page.getByRole('radiogroup', { name: 'API' }).getByText('Chat Completions').click();
    await page.getByLabel('Model').selectOption('gpt-wrong');
    await page.getByLabel('Input').fill('Hello');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('Incorrect API key provided').waitFor();
    expect(await page.getByText('You were signed out').count()).toBe(0);
    expect(await page.evaluate(() => sessionStorage.length)).toBe(1);
    await nav('Tokens').click();
    await page.getByRole('heading', { name: 'Tokens', level: 1 }).waitFor();
    await screenshot(page, 'playground-upstream-401');
  });

  it('revokes the token; curl then gets 401', async () => {
    await nav('Tokens').click();
    await page.getByRole('button', { name: 'Revoke curl-app' }).click();
    await page.getByRole('button', { name: 'Confirm revoke' }).click();
    await page.getByText("Revoked 'curl-app'").waitFor();
    // The list refreshes after the confirmation; wait (bounded) for the row to show it.
    await page.getByRole('row', { name: /curl-app/ }).filter({ hasText: 'revoked' }).waitFor({ timeout: 5_000 });
    const refused = await curl(`${gw.url}/v1/models`, userToken);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body).error.code).toBe('token_revoked');
  });

  it('is keyboard reachable: skip link, then the navigation', async () => {
    await page.goto(gw.url + '/ui/tokens');
    await page.getByRole('heading', { name: 'Tokens', level: 1 }).waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    const focused: string[] = [];
    for (let i = 0; i < 10; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent}`));
    }
    expect(focused).toEqual(['A Bodhi Gateway', 'A Models', 'A API Models', 'A Routers', 'A Local Aliases', 'A Tokens', 'A Usage', 'A Requests', 'A Playground', 'A API docs']);
  });

  it('looks right at 390px wide (screenshots) and serves deep links', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, name, ready] of [
      ['/ui/models', 'models', 'gpt-5'],
      ['/ui/api-models', 'api-models', 'fake-openai'],
      ['/ui/api-models/new', 'api-model-form', 'Add an API model'],
      ['/ui/routers', 'routers-empty', 'No routers yet'],
      ['/ui/tokens', 'tokens', 'curl-app'],
      ['/ui/playground', 'playground', 'How to run it'],
    ] as const) {
      await page.goto(gw.url + path);
      await page.getByText(ready).first().waitFor();
      // Nothing wider than the screen.
      expect(await page.evaluate(() => document.documentElement.scrollWidth), path).toBeLessThanOrEqual(390);
      await screenshot(page, name);
    }
    await page.getByLabel('Input').fill('Small screen');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('response.completed').waitFor();
    await screenshot(page, 'playground-stream');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin token').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await screenshot(page, 'sign-in');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('Swagger UI: Authorize, then Try it out on GET /v1/models', async () => {
    const docs = await context.newPage();
    docs.setDefaultTimeout(8_000);
    await docs.goto(gw.url + '/swagger-ui/');
    await docs.getByRole('button', { name: /Authorize/ }).first().click();
    await docs.locator('.auth-container input').fill(gw.adminToken);
    await docs.getByRole('button', { name: 'Apply credentials' }).click();
    await docs.locator('.auth-container').getByText('Authorized').waitFor();
    await docs.locator('.auth-container').getByRole('button', { name: 'Close' }).click();
    await docs.locator('#operations-Models-listModels .opblock-summary').click();
    await docs.getByRole('button', { name: 'Try it out' }).click();
    await docs.getByRole('button', { name: 'Execute' }).click();
    await docs.locator('#operations-Models-listModels .live-responses-table tbody .response-col_status').first().waitFor();
    expect((await docs.locator('#operations-Models-listModels .live-responses-table tbody .response-col_status').first().textContent())?.trim()).toBe('200');
    expect(await docs.locator('#operations-Models-listModels .live-responses-table').textContent()).toContain('fake-openai');
    await screenshot(docs, 'swagger-ui');
    await docs.close();
  });

  it('logged no browser errors (CSP violations included)', () => {
    expect(errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
  });
});

describe('web UI: usage and local aliases', () => {
  // Every upstream answer reports this usage, so the page's numbers are known exactly.
  const USAGE = { input_tokens: 11, output_tokens: 7, reasoning_tokens: 3, cached_tokens: 4 };
  let gw: TestGateway;
  let upstream: FakeUpstream;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let appToken = '';
  const dir = mkdtempSync(join(tmpdir(), 'bodhi-ui-local-'));

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, eventDelayMs: 2, usage: USAGE });
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'fake-responses', api_format: 'openai_responses', base_url: upstream.url, api_key: UPSTREAM_KEY, models: ['gpt-5'] });
    await gw.addApiModel({ name: 'fake-chat', api_format: 'openai', base_url: upstream.url, api_key: UPSTREAM_KEY, models: ['gpt-4.1-mini'] });
    appToken = await gw.createToken('usage-app');
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    errors = watchErrors(page);
    await page.goto(gw.url + '/ui/usage');
    await page.getByLabel('Admin token').fill(gw.adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
  }, 30_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `FAILED-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await context?.close();
    await gw?.close();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const stat = (label: string) => page.locator('.stat', { has: page.getByRole('term').filter({ hasText: new RegExp(`^${label}$`) }) }).locator('.stat-value');
  const usageRows = async () => {
    const rows = page.locator('.usage-table tbody tr');
    const out: string[][] = [];
    for (let i = 0; i < (await rows.count()); i++) out.push(await rows.nth(i).getByRole('cell').allTextContents());
    return out.sort((a, b) => a[0]!.localeCompare(b[0]!));
  };

  it('Usage: says so when the window has no requests, and shows a failed load with a retry', async () => {
    await page.getByText('No requests in this window').waitFor();
    expect(await page.getByRole('radio', { name: '24 hours' }).isChecked()).toBe(true);
    expect(await page.getByRole('radio', { name: 'Model', exact: true }).isChecked()).toBe(true);
    await screenshot(page, 'usage-empty');

    // The gateway failing: the envelope's message, and a way to try again.
    await page.route('**/bodhi/v1/usage?*', (route) =>
      route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { message: 'The request log is unavailable.', type: 'server_error', param: null, code: null } }) }),
    );
    await page.getByRole('button', { name: 'Refresh' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Could not load usage.' });
    await alert.waitFor();
    expect(await alert.textContent()).toContain('The request log is unavailable.');
    expect(await page.getByText('No requests in this window').count()).toBe(0);
    await page.unroute('**/bodhi/v1/usage?*');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.getByText('No requests in this window').waitFor();
  });

  it('Usage: totals, chart and tables show the exact usage of real traffic', async () => {
    const send = async (path: string, json: unknown) => {
      const res = await gw.call(path, { method: 'POST', token: appToken, json });
      await res.text(); // streams: read to the end
      return res.status;
    };
    // gpt-5 (Responses): two JSON calls and one streamed. gpt-4.1-mini (chat): one JSON, one
    // streamed with usage, and one the upstream fails (an error without usage).
    expect(await send('/v1/responses', { model: 'gpt-5', input: 'one' })).toBe(200);
    expect(await send('/v1/responses', { model: 'gpt-5', input: 'two' })).toBe(200);
    expect(await send('/v1/responses', { model: 'gpt-5', input: 'three', stream: true })).toBe(200);
    const chat = { model: 'gpt-4.1-mini', messages: [{ role: 'user', content: 'Hi' }] };
    expect(await send('/v1/chat/completions', chat)).toBe(200);
    expect(await send('/v1/chat/completions', { ...chat, stream: true, stream_options: { include_usage: true } })).toBe(200);
    upstream.setFault({ path: '/v1/chat/completions', times: 1, status: 500, body: JSON.stringify({ error: { message: 'boom', type: 'server_error' } }) });
    expect(await send('/v1/chat/completions', chat)).toBe(500);

    // The API first (so a wrong number points at the right layer), waiting for the last log row.
    await expect
      .poll(async () => ((await (await gw.call('/bodhi/v1/usage?since=24h')).json()) as { totals: { requests: number } }).totals.requests, { timeout: 5_000 })
      .toBe(6);

    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.locator('.stats').waitFor();
    const totals: Record<string, string> = {};
    for (const label of ['Requests', 'Errors', 'Input tokens', 'Output tokens', 'Reasoning tokens', 'Cached tokens']) totals[label] = (await stat(label).textContent())!;
    expect(totals).toEqual({ Requests: '6', Errors: '1', 'Input tokens': '55', 'Output tokens': '35', 'Reasoning tokens': '15', 'Cached tokens': '20' });

    expect(await page.getByRole('columnheader').first().textContent()).toBe('Model');
    expect(await usageRows()).toEqual([
      ['gpt-4.1-mini', '3', '1', '22', '14', '6', '8', '36'],
      ['gpt-5', '3', '0', '33', '21', '9', '12', '54'],
    ]);

    // The chart: an image with a summary, one series per model, each with a bar; a legend.
    const chart = page.getByRole('img', { name: /^Requests per hour by model, last 24 hours:/ });
    await chart.waitFor();
    const label = (await chart.getAttribute('aria-label'))!;
    expect(label).toContain('gpt-5 3');
    expect(label).toContain('gpt-4.1-mini 3');
    const series = chart.locator('g.series');
    expect((await series.evaluateAll((gs) => gs.map((g) => g.getAttribute('data-key')))).sort()).toEqual(['gpt-4.1-mini', 'gpt-5']);
    for (let i = 0; i < 2; i++) expect(await series.nth(i).locator('rect').count()).toBeGreaterThanOrEqual(1);
    expect((await page.getByRole('list', { name: 'Legend' }).getByRole('listitem').allTextContents()).sort()).toEqual(['gpt-4.1-mini3', 'gpt-53']);
    await screenshot(page, 'usage');

    // Tokens instead of requests; the chart's data as a table adds up to the same.
    await page.getByRole('radiogroup', { name: 'Chart shows' }).getByText('Tokens').click();
    await page.getByRole('heading', { name: 'Tokens (input + output) per hour' }).waitFor();
    const tokensLabel = (await page.getByRole('img', { name: /^Tokens/ }).getAttribute('aria-label'))!;
    expect(tokensLabel).toContain('gpt-5 54');
    expect(tokensLabel).toContain('gpt-4.1-mini 36');
    await page.getByText('Chart data as a table').click();
    const bucketTotals = await page.locator('.chart-data tbody td[data-label="Total"]').allTextContents();
    expect(bucketTotals.reduce((sum, t) => sum + Number(t), 0)).toBe(90);
    await screenshot(page, 'usage-tokens');

    // Grouped by token, then by API model.
    await page.getByRole('radiogroup', { name: 'Group by' }).getByText('Token').click();
    await page.getByRole('heading', { name: 'By token' }).waitFor();
    await expect.poll(usageRows).toEqual([['usage-app', '6', '1', '55', '35', '15', '20', '90']]);
    await page.getByRole('radiogroup', { name: 'Group by' }).getByText('API model').click();
    await page.getByRole('heading', { name: 'By API model' }).waitFor();
    await expect.poll(usageRows).toEqual([
      ['fake-chat', '3', '1', '22', '14', '6', '8', '36'],
      ['fake-responses', '3', '0', '33', '21', '9', '12', '54'],
    ]);

    // Keyboard: arrow keys move through the window choices; a longer window, same numbers.
    await page.getByRole('radio', { name: '24 hours' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('radio', { name: '7 days' }).isChecked()).toBe(true);
    await page.getByRole('heading', { name: 'Tokens (input + output) per 6 hours' }).waitFor();
    await expect.poll(() => stat('Requests').textContent()).toBe('6');
  });

  it('Usage: fits a 390px screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(gw.url + '/ui/usage');
    await page.getByRole('img', { name: /^Requests per hour by model/ }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    // The chart is drawn for the width it has, not scaled down.
    expect(Number(await page.locator('.chart svg').getAttribute('width'))).toBeLessThanOrEqual(360);
    await screenshot(page, 'usage');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('local aliases: one added through the management API shows on the Models page as local', async () => {
    const created = await gw.call('/bodhi/v1/aliases', { method: 'POST', json: { name: 'tiny-llama', model_file: writeTinyGguf(join(dir, 'tiny.gguf')), context_size: 512 } });
    expect(created.status).toBe(201);
    await navLink(page, 'Models').click();
    const row = page.getByRole('row', { name: /tiny-llama/ });
    await row.waitFor();
    expect(await row.getByRole('cell').allTextContents()).toEqual(['tiny-llama', 'local', 'llama.cpp (chat, embeddings)', 'tiny.gguf']);
    expect(await page.getByRole('row', { name: /gpt-5/ }).getByRole('cell').allTextContents()).toEqual(['gpt-5', 'API', 'OpenAI - Responses', 'fake-responses']);
    await screenshot(page, 'models-local');
  });

  it('local aliases: the form puts the gateway\'s file check next to the field, adds and removes', async () => {
    await navLink(page, 'Local Aliases').click();
    await page.getByRole('row', { name: /tiny-llama/ }).waitFor();
    const name = page.getByRole('textbox', { name: 'Name', exact: true });
    const file = page.getByRole('textbox', { name: 'Model file' });
    const add = page.getByRole('button', { name: 'Add local alias' });

    await name.fill('second');
    await file.fill(join(dir, 'missing.gguf'));
    await add.click();
    await page.getByText('does not exist').waitFor();
    expect(await fieldError(page, file)).toBe(`Model file '${join(dir, 'missing.gguf')}' does not exist.`);
    expect(await fieldError(page, name)).toBeNull();

    writeFileSync(join(dir, 'notes.gguf'), 'not a model');
    await file.fill(join(dir, 'notes.gguf'));
    await add.click();
    await expect.poll(() => fieldError(page, file)).toMatch(/is not a usable GGUF model/);
    await screenshot(page, 'local-aliases-error');

    await file.fill(writeTinyGguf(join(dir, 'second.gguf')));
    await page.getByRole('textbox', { name: 'Context size' }).fill('256');
    await add.click();
    await page.getByText("Added local alias 'second'").waitFor();
    const row = page.getByRole('row', { name: /second/ });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('256');
    expect(await fieldError(page, file)).toBeNull();
    await screenshot(page, 'local-aliases');

    await page.getByRole('button', { name: 'Remove second' }).click();
    await page.getByRole('button', { name: 'Confirm remove' }).click();
    await page.getByText("Removed local alias 'second'").waitFor();
    await page.getByRole('row', { name: /second/ }).waitFor({ state: 'detached', timeout: 5_000 });
    const listed = (await (await gw.call('/bodhi/v1/aliases')).json()) as { data: { name: string }[] };
    expect(listed.data.map((a) => a.name)).toEqual(['tiny-llama']);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByRole('row', { name: /tiny-llama/ }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'local-aliases');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('logged no browser errors (CSP violations included)', () => {
    expect(errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
  });
});

describe('web UI: Routers', () => {
  // Two chat API models (one fake upstream behind both) for the router's targets, and a
  // Responses one: a router mixing formats is refused, and Responses routers work in the Playground.
  let gw: TestGateway;
  let upstream: FakeUpstream;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let appToken = '';

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, eventDelayMs: 2 });
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'chat-a', api_format: 'openai', base_url: upstream.url, api_key: UPSTREAM_KEY, models: ['gpt-4.1-mini'] });
    await gw.addApiModel({ name: 'chat-b', api_format: 'openai', base_url: upstream.url, api_key: UPSTREAM_KEY, models: ['gpt-4.1'] });
    await gw.addApiModel({ name: 'resp-a', api_format: 'openai_responses', base_url: upstream.url, api_key: UPSTREAM_KEY, models: ['gpt-5'] });
    appToken = await gw.createToken('router-app');
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    errors = watchErrors(page);
    await page.goto(gw.url + '/ui/routers');
    await page.getByLabel('Admin token').fill(gw.adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Routers', level: 1 }).waitFor();
  }, 30_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `FAILED-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await context?.close();
    await gw?.close();
    await upstream?.close();
  });

  const targets = (name: string) => page.getByRole('list', { name: `Targets of ${name}` }).getByRole('listitem');
  const stored = async (name: string) => {
    const res = await gw.call(`/bodhi/v1/routers/${encodeURIComponent(name)}`);
    expect(res.status).toBe(200);
    return (await res.json()) as { strategy: string; targets: { api_model: string; model: string; weight: number; enabled: boolean }[] };
  };
  const chat = (model: string) => gw.call('/v1/chat/completions', { method: 'POST', token: appToken, json: { model, messages: [{ role: 'user', content: 'hi' }] } });

  it('Routers: creates one through the form with two targets, listed in order and healthy', async () => {
    await navLink(page, 'Routers').waitFor();
    expect(await navLink(page, 'Routers').getAttribute('aria-current')).toBe('page');
    await page.getByText('No routers yet').waitFor();
    await page.getByRole('link', { name: 'Add router' }).click();
    await page.getByRole('heading', { name: 'Add a router' }).waitFor();

    // The settings show their defaults; fallback first.
    expect(await page.getByRole('radio', { name: 'Fallback' }).isChecked()).toBe(true);
    expect(await page.getByRole('textbox', { name: 'Retry on status' }).inputValue()).toBe('429, 500, 502, 503, 504, 529');
    expect(await page.getByRole('spinbutton', { name: 'Max attempts' }).inputValue()).toBe('');
    expect(await page.getByRole('spinbutton', { name: 'Failure threshold' }).inputValue()).toBe('3');
    expect(await page.getByRole('spinbutton', { name: 'Failure window (ms)' }).inputValue()).toBe('30000');
    expect(await page.getByRole('spinbutton', { name: 'Cooldown (ms)' }).inputValue()).toBe('30000');
    expect(await page.getByRole('spinbutton', { name: 'Max retry-after (ms)' }).inputValue()).toBe('300000');

    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('team-chat');
    // The API model comes from a select; choosing one suggests its first listed model.
    await page.getByLabel('Target 1 API model').selectOption({ label: 'chat-a' });
    expect(await page.getByLabel('Target 1 upstream model').inputValue()).toBe('gpt-4.1-mini');
    await page.getByRole('button', { name: 'Add target' }).click();
    await page.getByLabel('Target 2 API model').selectOption({ label: 'chat-b' });
    // Free text: a model chat-b does not list.
    await page.getByLabel('Target 2 upstream model').fill('unlisted-model');
    await page.getByLabel('Target 2 weight').fill('3');
    await screenshot(page, 'router-form');
    await page.getByRole('button', { name: 'Create router' }).click();

    await page.getByRole('heading', { name: 'Routers', level: 1 }).waitFor();
    const row = page.getByRole('row', { name: /team-chat/ });
    await row.waitFor();
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('Fallback');
    expect(await row.getByRole('cell').nth(2).textContent()).toBe('OpenAI - Completions');
    const items = await targets('team-chat').allTextContents();
    expect(items).toHaveLength(2);
    expect(items[0]).toMatch(/^chat-a → upstream model gpt-4\.1-mini weight 1 healthy$/);
    expect(items[1]).toMatch(/^chat-b → upstream model unlisted-model weight 3 healthy$/);
    expect((await stored('team-chat')).targets).toEqual([
      { api_model: 'chat-a', api_model_id: expect.any(String), model: 'gpt-4.1-mini', weight: 1, enabled: true, healthy: true, cooling_until: null, recent_failures: 0 },
      { api_model: 'chat-b', api_model_id: expect.any(String), model: 'unlisted-model', weight: 3, enabled: true, healthy: true, cooling_until: null, recent_failures: 0 },
    ]);
    await screenshot(page, 'routers');
  });

  it('Routers: the Models page lists it as a router, and the Playground chats through it', async () => {
    await navLink(page, 'Models').click();
    const row = page.getByRole('row', { name: /team-chat/ });
    await row.waitFor();
    expect(await row.getByRole('cell').allTextContents()).toEqual(['team-chat', 'router', 'OpenAI - Completions', 'router over chat-a/gpt-4.1-minichat-b/unlisted-model']);
    await screenshot(page, 'models-router');

    // A Responses router, made through the API: it is offered for the Responses API.
    const created = await gw.call('/bodhi/v1/routers', { method: 'POST', json: { name: 'team-resp', targets: [{ api_model: 'resp-a', model: 'gpt-5' }] } });
    expect(created.status).toBe(201);

    await navLink(page, 'Playground').click();
    const model = page.getByLabel('Model');
    await model.waitFor();
    expect(await model.locator('option').allTextContents()).toContain('team-resp (router: resp-a/gpt-5)');
    await model.selectOption('team-resp');
    await page.getByLabel('Input').fill('Through a router');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('response.completed').waitFor();
    expect(await page.getByTestId('output-text').textContent()).toBe('Echo: Through a router');
    expect(JSON.parse(upstream.requests.at(-1)!.body.toString())).toMatchObject({ model: 'gpt-5' });

    await page.getByRole('radiogroup', { name: 'API' }).getByText('Chat Completions').click();
    expect(await model.locator('option').allTextContents()).toContain('team-chat (router: chat-a/gpt-4.1-mini, chat-b/unlisted-model)');
    await model.selectOption('team-chat');
    await page.getByLabel('Input').fill('Hello router');
    await page.getByRole('button', { name: 'Send' }).click();
    await page.getByText('[DONE]').waitFor();
    expect(await page.getByTestId('output-text').textContent()).toBe('Echo: Hello router');
    // Fallback: the first target's model went upstream.
    expect(JSON.parse(upstream.requests.at(-1)!.body.toString())).toMatchObject({ model: 'gpt-4.1-mini' });
    await screenshot(page, 'playground-router');
  });

  it('Routers: live health: a failing target shows its failures, then its cooldown', async () => {
    await navLink(page, 'Routers').click();
    await targets('team-chat').first().waitFor();
    // A 500 from the first target: the call falls back to the second, and the first has a failure.
    upstream.setFault({ path: '/v1/chat/completions', times: 1, status: 500, body: JSON.stringify({ error: { message: 'boom', type: 'server_error' } }) });
    expect((await chat('team-chat')).status).toBe(200);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => targets('team-chat').first().textContent()).toMatch(/healthy 1 recent failure$/);
    expect(await targets('team-chat').nth(1).textContent()).toMatch(/weight 3 healthy$/);

    // A 429 asking for a minute: the first target cools down that long.
    upstream.setFault({ path: '/v1/chat/completions', times: 1, status: 429, headers: { 'retry-after': '60' }, body: JSON.stringify({ error: { message: 'slow down', type: 'rate_limit' } }) });
    expect((await chat('team-chat')).status).toBe(200);
    await page.getByRole('button', { name: 'Refresh' }).click();
    await expect.poll(() => targets('team-chat').first().textContent()).toMatch(/weight 1 cooling down until \d/);
    const health = (await stored('team-chat')).targets as unknown as { healthy: boolean; cooling_until: string | null }[];
    expect(health[0]!.healthy).toBe(false);
    expect(Date.parse(health[0]!.cooling_until!) - Date.now()).toBeGreaterThan(30_000);
    expect(health[1]!.healthy).toBe(true);
    await screenshot(page, 'routers-health');
  });

  it('Routers: edits: weighted, a target disabled and moved up', async () => {
    await page.getByRole('link', { name: 'Edit team-chat' }).click();
    await page.getByRole('heading', { name: 'Edit team-chat' }).waitFor();
    expect(await page.getByRole('textbox', { name: 'Name', exact: true }).inputValue()).toBe('team-chat');
    expect(await page.getByLabel('Target 2 upstream model').inputValue()).toBe('unlisted-model');

    await page.getByRole('radiogroup', { name: 'Strategy' }).getByText('Weighted').click();
    expect(await page.getByRole('radio', { name: 'Weighted' }).isChecked()).toBe(true);
    await page.getByLabel('Target 1 enabled').uncheck();
    await page.getByRole('button', { name: 'Move target 2 up' }).click();
    // Moved with everything it had.
    expect(await page.getByLabel('Target 1 upstream model').inputValue()).toBe('unlisted-model');
    expect(await page.getByLabel('Target 1 weight').inputValue()).toBe('3');
    expect(await page.getByLabel('Target 2 enabled').isChecked()).toBe(false);
    expect(await page.getByRole('button', { name: 'Move target 1 up' }).isDisabled()).toBe(true);
    await page.getByRole('spinbutton', { name: 'Max attempts' }).fill('2');
    await page.getByRole('button', { name: 'Save changes' }).click();

    await page.getByRole('heading', { name: 'Routers', level: 1 }).waitFor();
    const row = page.getByRole('row', { name: /team-chat/ });
    await expect.poll(() => row.getByRole('cell').nth(1).textContent()).toBe('Weighted');
    const items = await targets('team-chat').allTextContents();
    expect(items[0]).toMatch(/^chat-b → upstream model unlisted-model weight 3 healthy$/);
    expect(items[1]).toMatch(/^chat-a → upstream model gpt-4\.1-mini weight 1 disabled$/);
    const after = await stored('team-chat');
    expect(after.strategy).toBe('weighted');
    expect(after.targets.map(({ api_model, model, weight, enabled }) => ({ api_model, model, weight, enabled }))).toEqual([
      { api_model: 'chat-b', model: 'unlisted-model', weight: 3, enabled: true },
      { api_model: 'chat-a', model: 'gpt-4.1-mini', weight: 1, enabled: false },
    ]);
    expect(after).toMatchObject({ max_attempts: 2, failure_threshold: 3, retry_on_status: [429, 500, 502, 503, 504, 529] });
    await screenshot(page, 'routers-edited');
  });

  it("Routers: the form shows the gateway's 400 and 409 next to the field", async () => {
    await page.getByRole('link', { name: 'Add router' }).click();
    await page.getByRole('heading', { name: 'Add a router' }).waitFor();
    const name = page.getByRole('textbox', { name: 'Name', exact: true });
    await name.fill('team-chat');
    await page.getByLabel('Target 1 API model').selectOption({ label: 'chat-a' });
    await page.getByRole('button', { name: 'Add target' }).click();
    await page.getByLabel('Target 2 API model').selectOption({ label: 'resp-a' });
    await page.getByRole('button', { name: 'Create router' }).click();
    await page.getByText("A router's targets must share one api_format").waitFor();
    expect(await page.getByRole('alert').filter({ hasText: 'share one api_format' }).textContent()).toBe(
      "A router's targets must share one api_format; these use 'openai' and 'openai_responses'.",
    );

    await page.getByRole('button', { name: 'Remove target 2' }).click();
    expect(await page.getByLabel('Target 2 API model').count()).toBe(0);
    await page.getByRole('button', { name: 'Create router' }).click();
    await page.getByText("A router named 'team-chat' already exists.").waitFor();
    expect(await fieldError(page, name)).toBe("A router named 'team-chat' already exists.");
    await screenshot(page, 'router-form-error');

    // Narrow screens: the form and the list fit.
    await page.setViewportSize({ width: 390, height: 844 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'router-form-error');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await targets('team-chat').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'routers');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('Routers: deletes with a confirmation', async () => {
    await page.getByRole('button', { name: 'Delete team-chat' }).click();
    await page.getByRole('button', { name: 'Confirm delete' }).click();
    await page.getByText("Deleted router 'team-chat'.").waitFor();
    await page.getByRole('row', { name: /team-chat/ }).waitFor({ state: 'detached', timeout: 5_000 });
    const listed = (await (await gw.call('/bodhi/v1/routers')).json()) as { data: { name: string }[] };
    expect(listed.data.map((r) => r.name)).toEqual(['team-resp']);
    expect((await chat('team-chat')).status).toBe(404);
  });

  it('Routers: logged no browser errors (CSP violations included)', () => {
    expect(errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
  });
});
