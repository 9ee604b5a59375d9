/// <reference lib="dom" />
// DOM types: page.evaluate() callbacks run in the browser.
// Swagger UI (/swagger-ui) in real headless Chromium against a real gateway: it carries the
// gateway's name (not Fastify's logo), its Explore box shows /api-docs/openapi.json (and the
// document is loaded from there), the operations render and "Try it out" reaches the gateway,
// and the console shows no error and no Content-Security-Policy violation. A screenshot goes
// to test-output/screenshots/.
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { launchBrowser, screenshot, watchErrors } from './browser.js';

interface Violation {
  directive: string;
  blocked: string;
  source: string;
}

declare global {
  interface Window {
    cspViolations: Violation[];
  }
}

describe('Swagger UI', { timeout: 60_000 }, () => {
  let browser: Browser;
  let gw: TestGateway;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  const requested: string[] = [];

  beforeAll(async () => {
    gw = await startTestGateway();
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    errors = watchErrors(page);
    page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    page.on('response', (response) => {
      if (response.status() >= 400) errors.push(`${response.status()} ${response.url()}`);
    });
    page.on('requestfailed', (request) => errors.push(`failed: ${request.url()} ${request.failure()?.errorText ?? ''}`));
    // Before any of the page's scripts: every CSP violation, including ones Chromium reports only as events.
    await page.addInitScript(() => {
      window.cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.cspViolations.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}:${e.columnNumber}` });
      });
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await gw?.close();
  });

  it('loads under a strict CSP, with the gateway name instead of Fastify logo', async () => {
    const res = await page.goto(`${gw.url}/swagger-ui`);
    expect(res?.status()).toBe(200);
    const csp = res?.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toMatch(/style-src 'self'(;|$)/);
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('upgrade-insecure-requests'); // the gateway is usually plain HTTP
    await page.locator('.opblock').first().waitFor({ timeout: 15_000 });

    expect(await page.title()).toBe('API reference · Bodhi Gateway');
    await expect.poll(() => page.locator('.topbar a.link img').count()).toBe(1);
    const logo = await page.locator('.topbar a.link img').getAttribute('src');
    expect(logo).toMatch(/^data:image\/svg\+xml;base64,/);
    const svg = Buffer.from(logo!.split(',')[1]!, 'base64').toString('utf8');
    expect(svg).toContain('Bodhi');
    expect(svg).toContain('Gateway');
    expect(svg).toContain('<title>Bodhi Gateway</title>');
    expect(svg.toLowerCase()).not.toContain('fastify');
    // Swagger UI's own logo (an SVG with inline styles) is not on the page either.
    expect(await page.locator('.topbar svg[class*="logo"], .topbar a.link svg').count()).toBe(0);
    expect(await page.locator('.info .title').textContent()).toContain('Bodhi Gateway');
    const icon = await page.locator('link[rel="icon"]').getAttribute('href');
    expect(icon).toMatch(/theme\/favicon\.svg$/);
  });

  it('shows /api-docs/openapi.json in the Explore box and loads the document from there', async () => {
    const input = page.locator('.topbar input#download-url-input');
    await expect.poll(() => input.inputValue()).toBe('/api-docs/openapi.json');
    expect(await page.getByRole('button', { name: 'Explore' }).isVisible()).toBe(true);
    expect(requested).toContain('/api-docs/openapi.json');
    expect(requested).not.toContain('/swagger-ui/json');
    // Explore again: it reloads the same document, and the operations come back.
    await page.getByRole('button', { name: 'Explore' }).click();
    await page.locator('#operations-Responses-createResponse').waitFor();
    expect(requested.filter((path) => path === '/api-docs/openapi.json').length).toBeGreaterThanOrEqual(2);
  });

  it('renders the operations, the cancel route with ?model=, and the stream event schemas', async () => {
    for (const id of ['operations-Responses-createResponse', 'operations-Responses-cancelResponse', 'operations-Chat_Completions-createChatCompletion', 'operations-Models-listModels', 'operations-Server-ping']) {
      expect(await page.locator(`[id="${id}"]`).isVisible(), id).toBe(true);
    }
    expect(await page.locator('.opblock').count()).toBeGreaterThanOrEqual(25);

    await page.locator('#operations-Responses-cancelResponse .opblock-summary-control').click();
    const params = page.locator('#operations-Responses-cancelResponse .parameters');
    await params.waitFor();
    const names = await params.locator('.parameter__name').allTextContents();
    expect(names.map((name) => name.replace(/\*/g, '').trim()).sort()).toEqual(['id', 'model']);
    expect(await params.locator('tr[data-param-name="model"] .parameter__in').textContent()).toContain('query');

    const models = page.locator('section.models');
    await models.locator('h4 button').click(); // the Schemas section starts collapsed
    const titles = models.locator('article[data-json-schema-level="0"] > .json-schema-2020-12-head .json-schema-2020-12__title');
    await expect.poll(() => titles.allTextContents()).toEqual(expect.arrayContaining(['ResponseStreamEvent', 'ResponseTextDeltaEvent', 'ResponseCompletedEvent', 'ResponseErrorEvent']));
    const union = models.locator('article[data-json-schema-level="0"]').filter({ has: page.locator('> .json-schema-2020-12-head .json-schema-2020-12__title', { hasText: /^ResponseStreamEvent$/ }) });
    await union.locator('> .json-schema-2020-12-head .json-schema-2020-12-accordion').click();
    const body = union.locator('> .json-schema-2020-12-body');
    await expect.poll(() => body.locator('.json-schema-2020-12-keyword--oneOf').count()).toBe(1);
    const oneOf = body.locator('.json-schema-2020-12-keyword--oneOf');
    await oneOf.locator('> .json-schema-2020-12-accordion').click();
    const members = oneOf.locator('> .json-schema-2020-12-keyword__children > li');
    await expect.poll(() => members.count()).toBeGreaterThanOrEqual(27);
    expect(await oneOf.textContent()).toContain('ResponseTextDeltaEvent');
  });

  it('"Try it out" reaches the gateway', async () => {
    await page.locator('#operations-Server-ping .opblock-summary-control').click();
    const ping = page.locator('#operations-Server-ping');
    await ping.getByRole('button', { name: 'Try it out' }).click();
    await ping.getByRole('button', { name: 'Execute' }).click();
    await expect.poll(() => ping.locator('.live-responses-table .response .response-col_status').first().textContent()).toContain('200');
    expect(await ping.locator('.request-url pre').textContent()).toBe(`${gw.url}/ping`);
  });

  it('has no console errors and no CSP violations', async () => {
    await page.locator('#operations-Responses-cancelResponse').scrollIntoViewIfNeeded();
    await screenshot(page, 'swagger-ui-branding');
    expect(await page.evaluate(() => window.cspViolations)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
