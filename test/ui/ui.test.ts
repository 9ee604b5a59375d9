/// <reference lib="dom" />
// DOM types: page.evaluate() callbacks run in the browser.
// The web UI in real headless Chromium against a real gateway and the fake upstream: sign in,
// create a Responses API model through the form (fetching its models, testing the connection),
// create a token and use it with curl, stream in the Playground, run in the background and
// cancel, chat, revoke the token (curl gets 401). Screenshots of every page at 1280 and 390
// wide go to test-output/screenshots/.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { clearScreenshots, ensureUiBuilt, launchBrowser, screenshot, watchErrors } from './browser.js';

const run = promisify(execFile);
const UPSTREAM_KEY = 'sk-ui-upstream-SECRET-42';

/** curl, as a person would; returns the status code and the body. */
async function curl(url: string, token: string): Promise<{ status: number; body: string }> {
  const { stdout } = await run('curl', ['-s', '--max-time', '10', '-w', '\n%{http_code}', '-H', `Authorization: Bearer ${token}`, url]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

describe('web UI', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let userToken = '';

  beforeAll(async () => {
    await ensureUiBuilt();
    clearScreenshots();
    upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, eventDelayMs: 40, backgroundStepMs: 700, textDeltas: 8 });
    gw = await startTestGateway();
    browser = await launchBrowser();
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
    await browser?.close();
    await gw?.close();
    await upstream?.close();
  });

  /** The error message tied to a form control (aria-describedby), or null. */
  const fieldError = async (control: ReturnType<Page['getByRole']>) => {
    if ((await control.getAttribute('aria-invalid')) !== 'true') return null;
    const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter((id) => id.endsWith('-error'));
    return ids.length ? page.locator(`[id="${ids[0]}"]`).textContent() : null;
  };

  const nav = (name: string) => page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true });

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
    expect(await format.locator('option').allTextContents()).toEqual(['OpenAI - Completions', 'OpenAI - Responses']);
    expect(await page.getByRole('textbox', { name: 'Base URL' }).inputValue()).toBe('https://api.openai.com/v1');

    // The gateway's validation error appears next to the field its `param` names.
    await page.getByRole('button', { name: 'Create API model' }).click();
    await page.getByText('name is required.').waitFor();
    expect(await fieldError(page.getByRole('textbox', { name: 'Name', exact: true }))).toBe('name is required.');

    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('fake-openai');
    await format.selectOption({ label: 'OpenAI - Responses' });
    await page.getByRole('textbox', { name: 'Base URL' }).fill(upstream.url);
    await page.getByRole('button', { name: 'Create API model' }).click();
    await page.getByText('models must list at least one model id').waitFor();
    expect(await fieldError(page.getByRole('textbox', { name: 'Name', exact: true }))).toBeNull();

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

    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText("Connected: POST /responses with model 'gpt-5' answered 200.").waitFor();
    expect(JSON.parse(upstream.requests.at(-1)!.body.toString())).toMatchObject({ model: 'gpt-5' });
    await screenshot(page, 'api-model-form');

    await page.getByRole('button', { name: 'Create API model' }).click();
    await page.getByRole('heading', { name: 'API Models', level: 1 }).waitFor();
    const row = page.getByRole('row', { name: /fake-openai/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('OpenAI - Responses');
    expect(await row.textContent()).toContain('set');
    await screenshot(page, 'api-models');
  });

  it('edits with the stored key: "set", test connection without ever seeing it', async () => {
    await page.getByRole('link', { name: 'Edit fake-openai' }).click();
    await page.getByRole('heading', { name: 'Edit fake-openai' }).waitFor();
    await page.getByText('Stored key:').waitFor();
    expect(await page.locator('.key-status').textContent()).toBe('Stored key: set');
    expect(await page.getByRole('radio', { name: 'Keep' }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connection works.').waitFor();
    expect(await page.content()).not.toContain(UPSTREAM_KEY);
    await screenshot(page, 'api-model-edit');
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
    expect(row).not.toContain('never'); // last used: just now, by curl
    expect(row).not.toContain(userToken);
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
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Tab');
      focused.push(await page.evaluate(() => `${document.activeElement?.tagName} ${document.activeElement?.textContent}`));
    }
    expect(focused).toEqual(['A Bodhi Gateway', 'A Models', 'A API Models', 'A Tokens', 'A Playground', 'A API docs']);
  });

  it('looks right at 390px wide (screenshots) and serves deep links', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    for (const [path, name, ready] of [
      ['/ui/models', 'models', 'gpt-5'],
      ['/ui/api-models', 'api-models', 'fake-openai'],
      ['/ui/api-models/new', 'api-model-form', 'Add an API model'],
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
