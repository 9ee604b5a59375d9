/// <reference lib="dom" />
// DOM types: page.evaluate() callbacks run in the browser.
// The Requests page in real headless Chromium against a real gateway and the fake upstream:
// more calls than one page holds (Load more pages with the cursor, no duplicates), filters that
// narrow the list (status class, token, API model or router, route, model, custom time), a row's
// detail with its router attempts and the gateway's error, and the response id opening the
// Playground's poll view. Screenshots at 1280 and 390 wide go to test-output/screenshots/.
import { createServer } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { waitUntil } from '../support/wait.js';
import { ensureUiBuilt, launchBrowser, screenshot, watchErrors } from './browser.js';

/** A loopback port nothing listens on. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** More than the page's 50 rows. */
const BOB_CHATS = 52;
const TOTAL = BOB_CHATS + 3;

describe('Requests page', () => {
  let browser: Browser;
  let gw: TestGateway;
  let upstream: FakeUpstream;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let responseId = '';

  beforeAll(async () => {
    await ensureUiBuilt();
    browser = await launchBrowser();
    upstream = await startFakeUpstream({ backgroundStepMs: 300 });
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'chat', api_format: 'openai', base_url: upstream.url, api_key: upstream.apiKey, models: ['gpt-4o'] });
    await gw.addApiModel({ name: 'res', api_format: 'openai_responses', base_url: upstream.url, api_key: upstream.apiKey, models: ['gpt-5'] });
    await gw.addApiModel({ name: 'dead', api_format: 'openai', base_url: `http://127.0.0.1:${await refusedPort()}/v1`, api_key: 'sk-x', models: ['dead-model'] });
    const router = await gw.call('/bodhi/v1/routers', { method: 'POST', json: { name: 'team', targets: [{ api_model: 'dead', model: 'gpt-4o' }, { api_model: 'chat', model: 'gpt-4o' }] } });
    expect(router.status).toBe(201);
    const alice = await gw.createToken('alice');
    const bob = await gw.createToken('bob');
    const chat = (token: string, model: string) => gw.call('/v1/chat/completions', { method: 'POST', token, json: { model, messages: [{ role: 'user', content: 'hi' }] } });

    for (let i = 0; i < BOB_CHATS; i++) expect((await chat(bob, 'gpt-4o')).status).toBe(200);
    const created = await gw.call('/v1/responses', { method: 'POST', token: alice, json: { model: 'gpt-5', input: 'hi', background: true } });
    expect(created.status).toBe(200);
    responseId = ((await created.json()) as { id: string }).id;
    expect((await chat(alice, 'team')).status).toBe(200);
    expect((await chat(bob, 'no-such-model')).status).toBe(404);
    await waitUntil(async () => (((await (await gw.call(`/bodhi/v1/requests?limit=500`)).json()) as { data: unknown[] }).data.length >= TOTAL));

    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    errors = watchErrors(page);
  }, 120_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `FAILED-requests-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await gw?.close();
    await upstream?.close();
  });

  const rows = () => page.getByTestId('requests').locator('tbody tr');
  const rowIds = () => rows().evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-id')));
  const statuses = () => rows().locator('td[data-label="Status"]').allTextContents();
  /** A filter control by its form name (token, model, api_model, route, since, until). */
  const select = (name: string) => page.locator(`.request-filters [name="${name}"]`);
  /** Waits until the list shows exactly `n` rows and is not loading. */
  const expectRows = async (n: number) => {
    await expect.poll(async () => (await page.locator('section.requests[aria-busy="false"]').count()) === 1 && (await rows().count()), { timeout: 10_000 }).toBe(n);
  };

  it('lists the newest 50 calls first and loads the rest with the cursor', async () => {
    await page.goto(gw.url + '/ui/');
    await page.getByLabel('Admin token').fill(gw.adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Requests', exact: true }).click();
    await page.getByRole('heading', { name: 'Requests', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/requests');
    await expect.poll(() => page.title()).toBe('Requests · Bodhi Gateway');

    await expectRows(50);
    // Newest first: the last call made (the 404) leads.
    expect((await statuses())[0]).toBe('404');
    await screenshot(page, 'requests');
    const first = await rowIds();
    await page.getByRole('button', { name: 'Load more' }).click();
    await expectRows(TOTAL);
    const all = await rowIds();
    expect(all.slice(0, 50)).toEqual(first);
    expect(new Set(all).size).toBe(TOTAL);
    await expect.poll(() => page.getByTestId('shown-count').textContent()).toBe(`${TOTAL} shown (all)`);
    expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
  });

  it('narrows the list with each filter', async () => {
    await page.getByRole('radiogroup', { name: 'Status class' }).getByText('4xx', { exact: true }).click();
    await expectRows(1);
    expect(await statuses()).toEqual(['404']);
    await page.getByRole('radiogroup', { name: 'Status class' }).getByText('Any', { exact: true }).click();
    await expectRows(50);

    await select('token').selectOption({ label: 'alice' });
    await expectRows(2);
    expect(await rows().locator('td[data-label="Token"]').allTextContents()).toEqual(['alice', 'alice']);
    await select('token').selectOption({ label: 'Any token' });

    await select('api_model').selectOption('team');
    await expectRows(1);
    expect(await rows().locator('td[data-label="API model"]').allTextContents()).toEqual(['team → chat']);
    await select('api_model').selectOption('');

    await select('route').selectOption('/v1/responses');
    await expectRows(1);
    await select('route').selectOption('');

    await select('model').fill('no-such-model');
    await expectRows(1);
    await select('model').fill('');
    await expectRows(50);

    // A custom window entirely in the past holds nothing.
    await page.getByRole('radiogroup', { name: 'Time window' }).getByText('Custom', { exact: true }).click();
    await select('until').fill('2020-01-01T00:00');
    await page.getByText('No requests match').waitFor();
    await page.getByRole('radiogroup', { name: 'Time window' }).getByText('1 hour', { exact: true }).click();
    await expectRows(50);
    expect(errors).toEqual([]);
  });

  it("opens a row's detail: router attempts, and the gateway's error", async () => {
    await select('api_model').selectOption('team');
    await expectRows(1);
    await rows().first().getByRole('button').click();
    const detail = page.getByTestId('request-detail');
    await detail.waitFor();
    await expect.poll(() => detail.textContent()).toContain('gpt-4o');
    const attempts = detail.getByTestId('attempts').locator('tbody tr');
    expect(await attempts.count()).toBe(2);
    expect(await attempts.nth(0).locator('td[data-label="API model"]').textContent()).toBe('dead');
    expect(await attempts.nth(0).locator('td[data-label="Status"]').textContent()).toBe('no answer');
    expect(await attempts.nth(0).locator('td[data-label="Reason"]').textContent()).toMatch(/refused/);
    expect(await attempts.nth(1).locator('td[data-label="API model"]').textContent()).toBe('chat');
    expect(await attempts.nth(1).locator('td[data-label="Status"]').textContent()).toBe('200');
    expect(await detail.textContent()).toMatch(/Time to upstream headers\s*\d/);
    await screenshot(page, 'requests-detail-router');
    await select('api_model').selectOption('');

    await page.getByRole('radiogroup', { name: 'Status class' }).getByText('4xx', { exact: true }).click();
    await expectRows(1);
    await rows().first().getByRole('button').click();
    await expect.poll(() => detail.getByRole('alert').textContent()).toMatch(/model_not_found.*no-such-model/);
    expect(await detail.getByTestId('attempts').count()).toBe(0);
    await page.getByRole('radiogroup', { name: 'Status class' }).getByText('Any', { exact: true }).click();
  });

  it("opens the response id in the Playground's poll view", async () => {
    await select('route').selectOption('/v1/responses');
    await expectRows(1);
    await rows().first().getByRole('button').click();
    const link = page.getByTestId('response-link');
    expect(await link.textContent()).toBe(responseId);
    await screenshot(page, 'requests-detail-response');
    await link.click();
    await page.getByRole('heading', { name: 'Playground', level: 1 }).waitFor();
    const url = new URL(page.url());
    expect(url.pathname).toBe('/ui/playground');
    expect(url.searchParams.get('response')).toBe(responseId);
    await expect.poll(() => page.getByTestId('response-id').textContent()).toBe(responseId);
    // The poll view: polled until the background response ends, with its output.
    await expect.poll(() => page.locator('.result .status .badge').textContent(), { timeout: 15_000 }).toBe('completed');
    await expect.poll(() => page.getByTestId('output-text').textContent()).not.toMatch(/The answer appears here/);
    expect(await page.getByRole('radio', { name: /Background/ }).isChecked()).toBe(true);
    await screenshot(page, 'requests-playground-poll');
    expect(errors).toEqual([]);
  });

  it('fits a phone-width screen', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Requests', exact: true }).click();
    await expectRows(50);
    await rows().first().getByRole('button').click();
    await page.getByTestId('request-detail').waitFor();
    await screenshot(page, 'requests');
    const wide = await page.evaluate(() =>
      [...document.querySelectorAll('body *')].filter((el) => el.getBoundingClientRect().right > 391).map((el) => `${el.tagName}.${el.className}`).slice(0, 8),
    );
    expect(await page.evaluate(() => document.documentElement.scrollWidth), wide.join(' ')).toBeLessThanOrEqual(390);
  });
});
