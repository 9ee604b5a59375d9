/// <reference lib="dom" />
// DOM types: page.evaluate() callbacks run in the browser.
// Issue #21 in real headless Chromium against a real gateway and the fake upstream: tokens with
// expiry, allowed models and a rate limit (created, listed, edited in place, revoked, expired);
// the Playground's instructions, temperature and max output tokens reaching the upstream, its
// copy-as-curl / SDK code holding the exact JSON sent and never the token, embeddings mode; and
// the Local Aliases form checking the GGUF file when the field loses focus.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page, Request } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { writeTinyGguf } from '../support/tiny-gguf.js';
import { ensureUiBuilt, launchBrowser, screenshot, watchErrors } from './browser.js';

const UPSTREAM_KEY = 'sk-ui-upstream-SECRET-21';

/** The error message tied to a form control (aria-describedby), or null. */
async function fieldError(page: Page, control: ReturnType<Page['getByRole']>): Promise<string | null> {
  if ((await control.getAttribute('aria-invalid')) !== 'true') return null;
  const ids = ((await control.getAttribute('aria-describedby')) ?? '').split(' ').filter((id) => id.endsWith('-error'));
  return ids.length ? page.locator(`[id="${ids[0]}"]`).textContent() : null;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** A datetime-local value for a time, in the browser's (and this process's) local time. */
const localInput = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;

interface TokenJson {
  name: string;
  state: string;
  expires_at: string | null;
  allowed_models: string[] | null;
  rate_limit_rpm: number | null;
}

let browser: Browser;

beforeAll(async () => {
  await ensureUiBuilt();
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

describe('web UI: token limits, Playground parameters and code, GGUF check on blur', () => {
  let gw: TestGateway;
  let upstream: FakeUpstream;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const dir = mkdtempSync(join(tmpdir(), 'bodhi-ui-tokens-'));

  beforeAll(async () => {
    upstream = await startFakeUpstream({ apiKey: UPSTREAM_KEY, eventDelayMs: 2 });
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'fake-responses', api_format: 'openai_responses', base_url: upstream.url, api_key: UPSTREAM_KEY, models: ['gpt-5'] });
    await gw.addApiModel({ name: 'fake-chat', api_format: 'openai', base_url: upstream.url, api_key: UPSTREAM_KEY, models: ['gpt-4.1-mini', 'text-embedding-3-small'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: gw.url });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    errors = watchErrors(page);
    await page.goto(gw.url + '/ui/tokens');
    await page.getByLabel('Admin token').fill(gw.adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Tokens', level: 1 }).waitFor();
  }, 60_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `FAILED-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await context?.close();
    await gw?.close();
    await upstream?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const listed = async (name: string): Promise<TokenJson> =>
    ((await (await gw.call('/bodhi/v1/tokens')).json()) as { data: TokenJson[] }).data.find((t) => t.name === name)!;
  /** A token row's cells by column header. */
  const rowCells = async (name: string): Promise<Record<string, string>> => {
    const headers = await page.locator('.tokens-table thead th').allTextContents();
    const cells = await page.locator(`.tokens-table tr[data-token="${name}"] td`).allTextContents();
    return Object.fromEntries(headers.map((h, i) => [h, cells[i] ?? '']));
  };

  it('Tokens: scopes are described; power_user is said to be the same as user', async () => {
    const scope = page.getByLabel('Scope');
    expect(await page.getByTestId('scope-description').textContent()).toMatch(/client APIs/);
    await scope.selectOption('power_user');
    expect(await page.getByTestId('scope-description').textContent()).toMatch(/same as user/);
    await scope.selectOption('admin');
    expect(await page.getByTestId('scope-description').textContent()).toMatch(/management API/);
    await scope.selectOption('user');
  });

  it('Tokens: creates a token with expiry, allowed models and rate limit; the columns show them, status active', async () => {
    const expires = new Date(Date.now() + 3 * 86_400_000);
    expires.setSeconds(0, 0);
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('limited-app');
    await page.getByText('Limits (optional)').click();
    await page.getByLabel('Expires').fill(localInput(expires));
    const picks = page.getByRole('group', { name: 'Allowed models' });
    // The callable models are offered.
    expect((await picks.getByRole('checkbox').evaluateAll((els) => els.map((e) => e.parentElement!.textContent!.trim()))).sort()).toEqual(['gpt-4.1-mini', 'gpt-5', 'text-embedding-3-small']);
    await picks.getByLabel('gpt-5').check();
    await picks.getByLabel('gpt-4.1-mini').check();
    await page.getByLabel('Rate limit').fill('30');
    await screenshot(page, 'tokens-create-limits');
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByText('Copy it now: it is shown only this once.').waitFor();

    const stored = await listed('limited-app');
    expect(stored).toMatchObject({ state: 'active', allowed_models: ['gpt-5', 'gpt-4.1-mini'], rate_limit_rpm: 30 });
    expect(Date.parse(stored.expires_at!)).toBe(expires.getTime());

    await page.locator('tr[data-token="limited-app"]').waitFor();
    expect(await page.locator('.tokens-table thead th').allTextContents()).toEqual(['Name', 'Scope', 'Expires', 'Models', 'Rate limit', 'Created', 'Last used', 'Status', 'Actions']);
    const cells = await rowCells('limited-app');
    expect(cells).toMatchObject({ Scope: 'user', Models: 'gpt-5, gpt-4.1-mini', 'Rate limit': '30/min', Status: 'active' });
    expect(cells.Expires).toContain(String(expires.getFullYear()));
    expect(cells.Expires).not.toBe('never');
    await screenshot(page, 'tokens-limits');
  });

  it('Tokens: edits the limits in place; the row and GET /bodhi/v1/tokens show the new ones', async () => {
    await page.getByRole('button', { name: 'Edit limits of limited-app' }).click();
    const form = page.getByRole('form', { name: 'Limits of limited-app' });
    await form.waitFor();
    expect(await form.getByLabel('Rate limit').inputValue()).toBe('30');
    expect(await form.getByRole('group', { name: 'Allowed models' }).getByLabel('gpt-5').isChecked()).toBe(true);
    await form.getByLabel('Rate limit').fill('45');
    await form.getByRole('group', { name: 'Allowed models' }).getByLabel('gpt-5').uncheck();
    await form.getByLabel('Expires').fill('');
    await screenshot(page, 'tokens-edit-limits');
    await form.getByRole('button', { name: 'Save limits' }).click();
    await page.getByText("Saved the limits of 'limited-app'").waitFor();
    await form.waitFor({ state: 'detached' });

    await expect.poll(() => rowCells('limited-app')).toMatchObject({ Expires: 'never', Models: 'gpt-4.1-mini', 'Rate limit': '45/min', Status: 'active' });
    expect(await listed('limited-app')).toMatchObject({ state: 'active', expires_at: null, allowed_models: ['gpt-4.1-mini'], rate_limit_rpm: 45 });

    // A bad value: the gateway's message, next to the field.
    await page.getByRole('button', { name: 'Edit limits of limited-app' }).click();
    await form.getByLabel('Rate limit').fill('0');
    await form.getByRole('button', { name: 'Save limits' }).click();
    await expect.poll(() => fieldError(page, form.getByRole('textbox', { name: 'Rate limit' }))).toBe("Invalid 'rate_limit_rpm': must be >= 1.");
    await form.getByRole('button', { name: 'Cancel' }).click();
    expect((await listed('limited-app')).rate_limit_rpm).toBe(45);
  });

  it('Tokens: a revoked token shows revoked, an expired one expired', async () => {
    await gw.createToken('soon-revoked');
    await gw.createToken('soon-expired', 'user', { expires_at: new Date(Date.now() + 60_000).toISOString() });
    const store = gw.server.gateway.store;
    const record = (await store.listTokens()).find((t) => t.name === 'soon-expired')!;
    await store.updateToken({ ...record, expiresAt: Date.now() - 1000 });
    await page.reload();
    await page.locator('tr[data-token="soon-revoked"]').waitFor();
    await page.getByRole('button', { name: 'Revoke soon-revoked' }).click();
    await page.getByRole('button', { name: 'Confirm revoke' }).click();
    await page.getByText("Revoked 'soon-revoked'").waitFor();
    await expect.poll(async () => (await rowCells('soon-revoked')).Status).toBe('revoked');
    expect((await rowCells('soon-expired')).Status).toBe('expired');
    expect((await rowCells('limited-app')).Status).toBe('active');
    expect((await listed('soon-revoked')).state).toBe('revoked');
    expect((await listed('soon-expired')).state).toBe('expired');
    await screenshot(page, 'tokens-states');
  });

  /** Sends from the Playground and returns the JSON body the browser posted to `path`. */
  const sendAndCapture = async (path: string): Promise<string> => {
    const posted = page.waitForRequest((r: Request) => r.method() === 'POST' && new URL(r.url()).pathname === path);
    await page.getByRole('button', { name: 'Send' }).click();
    return (await posted).postData()!;
  };
  const upstreamBody = (path: string) => JSON.parse(upstream.requests.filter((r) => r.url === path).at(-1)!.body.toString()) as Record<string, unknown>;

  it('Playground: chat sends instructions, temperature and max tokens; embeddings models are not offered', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Playground', exact: true }).click();
    await page.getByRole('radiogroup', { name: 'API' }).getByText('Chat Completions').click();
    const options = await page.getByLabel('Model').locator('option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(options).toContain('gpt-4.1-mini');
    expect(options).not.toContain('text-embedding-3-small');

    await page.getByLabel('Input').fill('Hello with settings');
    await page.getByLabel('Instructions').fill('Answer like a pirate.');
    await page.getByLabel('Temperature').fill('0.3');
    await page.getByLabel('Max output tokens').fill('77');
    const sent = await sendAndCapture('/v1/chat/completions');
    await page.getByText('[DONE]').waitFor();
    expect(JSON.parse(sent)).toEqual({
      model: 'gpt-4.1-mini',
      messages: [
        { role: 'system', content: 'Answer like a pirate.' },
        { role: 'user', content: 'Hello with settings' },
      ],
      temperature: 0.3,
      max_completion_tokens: 77,
      stream: true,
    });
    expect(upstreamBody('/v1/chat/completions')).toMatchObject({ messages: [{ role: 'system', content: 'Answer like a pirate.' }, { role: 'user', content: 'Hello with settings' }], temperature: 0.3, max_completion_tokens: 77 });

    // Copy as curl: the exact JSON sent, the token as $BODHI_TOKEN.
    await page.getByRole('button', { name: 'Copy as curl' }).click();
    await page.getByText('Copied as curl.').waitFor();
    const curl = (await page.getByTestId('copied-code').textContent())!;
    expect(curl).toContain(`-d '${sent}'`);
    expect(curl).toContain(`${gw.url}/v1/chat/completions`);
    expect(curl).toContain('Authorization: Bearer $BODHI_TOKEN');
    expect(curl).not.toContain(gw.adminToken);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(curl);

    await page.getByRole('button', { name: 'Copy as TypeScript (openai)' }).click();
    await page.getByText('Copied as TypeScript (openai).').waitFor();
    const ts = (await page.getByTestId('copied-code').textContent())!;
    expect(ts).toContain(`client.chat.completions.create(\n${JSON.stringify(JSON.parse(sent), null, 2)}\n)`);
    expect(ts).toContain(`baseURL: '${gw.url}/v1'`);
    expect(ts).toContain('process.env.BODHI_TOKEN');
    expect(ts).not.toContain(gw.adminToken);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(ts);

    await page.getByRole('button', { name: 'Copy as Python (openai)' }).click();
    await page.getByText('Copied as Python (openai).').waitFor();
    const py = (await page.getByTestId('copied-code').textContent())!;
    expect(py).toContain(`json.loads(r'''\n${JSON.stringify(JSON.parse(sent), null, 2)}\n''')`);
    expect(py).toContain('client.chat.completions.create(**request)');
    expect(py).toContain('os.environ["BODHI_TOKEN"]');
    expect(py).not.toContain(gw.adminToken);
    expect(await page.content()).not.toContain(gw.adminToken);
    await screenshot(page, 'playground-chat-params');
  });

  it('Playground: Responses sends instructions, temperature and max_output_tokens; curl has that JSON', async () => {
    await page.getByRole('radiogroup', { name: 'API' }).getByText('Responses').click();
    expect(await page.getByLabel('Model').inputValue()).toBe('gpt-5');
    await page.getByLabel('Wait').check();
    await page.getByLabel('Input').fill('Plan a day');
    await page.getByLabel('Instructions').fill('Be brief.');
    await page.getByLabel('Temperature').fill('0.5');
    await page.getByLabel('Max output tokens').fill('200');
    await page.getByRole('button', { name: 'Copy as curl' }).click();
    await page.getByText('Copied as curl.').waitFor();
    const sent = await sendAndCapture('/v1/responses');
    await page.locator('.status .badge', { hasText: 'completed' }).waitFor();
    expect(JSON.parse(sent)).toEqual({ model: 'gpt-5', input: 'Plan a day', instructions: 'Be brief.', temperature: 0.5, max_output_tokens: 200 });
    expect(upstreamBody('/v1/responses')).toMatchObject({ model: 'gpt-5', instructions: 'Be brief.', temperature: 0.5, max_output_tokens: 200 });
    const curl = (await page.getByTestId('copied-code').textContent())!;
    expect(curl).toContain(`-d '${sent}'`);
    expect(curl).not.toContain(gw.adminToken);
  });

  it('Playground: Embeddings mode offers the embeddings model and shows the vector size', async () => {
    await page.getByRole('radiogroup', { name: 'API' }).getByText('Embeddings').click();
    const options = await page.getByLabel('Model').locator('option').evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(options).toEqual(['text-embedding-3-small']);
    expect(await page.getByLabel('Instructions').count()).toBe(0);
    await page.getByLabel('Input').fill('Vector me');
    const sent = await sendAndCapture('/v1/embeddings');
    expect(JSON.parse(sent)).toEqual({ model: 'text-embedding-3-small', input: 'Vector me' });
    await page.getByTestId('vector-size').waitFor();
    // The fake upstream's vectors have 8 dimensions.
    expect(await page.getByTestId('vector-size').textContent()).toBe('8');
    expect(await page.getByTestId('vector-first').textContent()).toMatch(/^\[-?\d\.\d{4}(, -?\d\.\d{4}){7}\]$/);
    expect(upstream.requests.at(-1)!.url).toBe('/v1/embeddings');
    await page.getByRole('button', { name: 'Copy as Python (openai)' }).click();
    await page.getByText('Copied as Python (openai).').waitFor();
    expect(await page.getByTestId('copied-code').textContent()).toContain('client.embeddings.create(**request)');
    await screenshot(page, 'playground-embeddings');
  });

  it('Local Aliases: the GGUF file check shows when the field loses focus, without submitting', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Local Aliases', exact: true }).click();
    await page.getByRole('heading', { name: 'Local Aliases', level: 1 }).waitFor();
    const creates: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && new URL(r.url()).pathname === '/bodhi/v1/aliases') creates.push(r.url());
    });
    const file = page.getByRole('textbox', { name: 'Model file' });
    const missing = join(dir, 'missing.gguf');
    await file.fill(missing);
    await page.keyboard.press('Tab');
    await expect.poll(() => fieldError(page, file)).toBe(`Model file '${missing}' does not exist.`);
    await screenshot(page, 'local-aliases-blur-error');

    const good = writeTinyGguf(join(dir, 'ok.gguf'));
    await file.fill(good);
    await page.keyboard.press('Tab');
    await page.getByText('A readable GGUF model.').waitFor();
    expect(await fieldError(page, file)).toBeNull();
    expect(creates).toEqual([]);
    expect(((await (await gw.call('/bodhi/v1/aliases')).json()) as { data: unknown[] }).data).toEqual([]);

    // The endpoint itself: admin only, documented.
    const asUser = await gw.call('/bodhi/v1/aliases/check-file', { method: 'POST', token: await gw.createToken('not-admin'), json: { model_file: good } });
    expect(asUser.status).toBe(403);
    const spec = (await (await gw.call('/api-docs/openapi.json')).json()) as { paths: Record<string, { post?: { operationId?: string } }> };
    expect(spec.paths['/bodhi/v1/aliases/check-file']?.post?.operationId).toBe('checkLocalAliasFile');
  });

  it('Usage: "(none)" is explained (calls without a token, e.g. refused ones)', async () => {
    // A call with an unknown token: refused, logged without a token.
    const refused = await gw.call('/v1/chat/completions', { method: 'POST', token: 'sk-bodhiapp_' + 'x'.repeat(43), json: { model: 'gpt-4.1-mini', messages: [] } });
    expect(refused.status).toBe(401);
    await expect
      .poll(async () => ((await (await gw.call('/bodhi/v1/usage?since=24h&by=token')).json()) as { groups: { key: string | null }[] }).groups.some((g) => g.key === null), { timeout: 5_000 })
      .toBe(true);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Usage', exact: true }).click();
    await page.getByRole('radiogroup', { name: 'Group by' }).getByText('Token').click();
    await page.getByRole('heading', { name: 'By token' }).waitFor();
    const note = page.getByTestId('none-explained');
    await note.waitFor();
    expect(await note.textContent()).toMatch(/^\(none\): Calls with no token: refused/);
    expect(await page.locator('.usage-table tbody td span[title]', { hasText: '(none)' }).getAttribute('title')).toMatch(/refused/);
    await screenshot(page, 'usage-none-explained');
  });

  it('logged no browser errors (CSP violations included)', () => {
    expect(errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
  });
});
