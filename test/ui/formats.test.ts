/// <reference lib="dom" />
// DOM types: page.evaluate() callbacks run in the browser.
// The web UI with the anthropic and gemini formats, in real headless Chromium against a real
// gateway and a small fake upstream that speaks both APIs: the API model form's default base
// URL per format, fetch models and test connection with the format's own key header, the
// Models page, and the Playground's Anthropic Messages and Gemini modes streaming live.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { providerFor } from '../../src/providers/index.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { ensureUiBuilt, launchBrowser, screenshot, watchErrors } from './browser.js';

const KEY = 'provider-ui-key-SECRET-7';
const DELAY_MS = 80;

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Words of the answer, each a delta: the page must show the first before the last arrives. */
const pieces = (text: string) => text.split(/(?<= )/);

/**
 * Anthropic under /v1 (x-api-key; Messages events in their documented order) and Gemini under
 * /v1beta (x-goog-api-key; `alt=sse` chunks, each a whole GenerateContentResponse).
 */
async function startFakeProviders() {
  const requests: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      answer(req.method ?? '', req.url ?? '', req.headers, Buffer.concat(chunks).toString()).catch(() => {
        if (!res.headersSent) json(400, { error: { message: 'bad request' } });
        else res.end();
      });
    });
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const sse = async (events: [string | null, unknown][]) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      for (const [event, data] of events) {
        res.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`);
        await sleep(DELAY_MS);
      }
      res.end();
    };
    async function answer(method: string, url: string, headers: IncomingHttpHeaders, body: string) {
      requests.push({ method, url, headers, body });
      const path = url.split('?')[0]!;
      if (path.startsWith('/v1/')) {
        if (headers['x-api-key'] !== KEY) return json(401, { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } });
        if (method === 'GET' && path === '/v1/models') {
          return json(200, { data: ['claude-sonnet-4-5', 'claude-haiku-4-5'].map((id) => ({ type: 'model', id, display_name: id })), has_more: false });
        }
        if (method === 'POST' && path === '/v1/messages') {
          const req = JSON.parse(body) as { model: string; messages: { content: string }[] };
          const text = `Claude says: ${req.messages[0]!.content}`;
          return sse([
            ['message_start', { type: 'message_start', message: { id: 'msg_fake_1', type: 'message', role: 'assistant', content: [], model: req.model, stop_reason: null, usage: { input_tokens: 12, output_tokens: 1 } } }],
            ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
            ['ping', { type: 'ping' }],
            ...pieces(text).map((t) => ['content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: t } }] as [string, unknown]),
            ['content_block_stop', { type: 'content_block_stop', index: 0 }],
            ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 9 } }],
            ['message_stop', { type: 'message_stop' }],
          ]);
        }
        return json(404, { type: 'error', error: { type: 'not_found_error', message: `Not found: ${path}` } });
      }
      if (path.startsWith('/v1beta/')) {
        if (headers['x-goog-api-key'] !== KEY) return json(400, { error: { code: 400, message: 'API key not valid. Please pass a valid API key.', status: 'INVALID_ARGUMENT' } });
        if (method === 'GET' && path === '/v1beta/models') return json(200, { models: ['gemini-2.5-flash', 'gemini-2.5-pro'].map((id) => ({ name: `models/${id}` })) });
        const action = /^\/v1beta\/models\/(.+):(streamGenerateContent|generateContent)$/.exec(path);
        if (method === 'POST' && action) {
          const req = JSON.parse(body) as { contents: { parts: { text: string }[] }[] };
          const words = pieces(`Gemini says: ${req.contents[0]!.parts[0]!.text}`);
          const chunk = (text: string, last: boolean) => ({
            candidates: [{ content: { role: 'model', parts: [{ text }] }, index: 0, ...(last ? { finishReason: 'STOP' } : {}) }],
            usageMetadata: { promptTokenCount: 6, ...(last ? { candidatesTokenCount: words.length, totalTokenCount: 6 + words.length } : {}) },
            modelVersion: action[1],
            responseId: 'gem_resp_1',
          });
          if (action[2] === 'generateContent') return json(200, chunk(words.join(''), true));
          // A thought summary first: not part of the answer.
          const thought = { candidates: [{ content: { role: 'model', parts: [{ text: 'Thinking…', thought: true }] }, index: 0 }], responseId: 'gem_resp_1' };
          return sse([[null, thought], ...words.map((w, i) => [null, chunk(w, i === words.length - 1)] as [null, unknown])]);
        }
        return json(404, { error: { code: 404, message: `Not found: ${path}`, status: 'NOT_FOUND' } });
      }
      json(404, { error: { message: 'unknown' } });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { requests, anthropicUrl: `${origin}/v1`, geminiUrl: `${origin}/v1beta`, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Gemini's model list has its own shape; only the gemini provider's real probe reads it. */
const GEMINI_LISTS = providerFor('gemini').probe.readModels(JSON.stringify({ models: [{ name: 'models/g' }] }))?.[0] === 'g';

describe('web UI: anthropic and gemini formats', () => {
  let browser: Browser;
  let gw: TestGateway;
  let fake: Awaited<ReturnType<typeof startFakeProviders>>;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];

  beforeAll(async () => {
    await ensureUiBuilt();
    browser = await launchBrowser();
    fake = await startFakeProviders();
    gw = await startTestGateway();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    errors = watchErrors(page);
    await page.goto(gw.url + '/ui/api-models/new');
    await page.getByLabel('Admin token').fill(gw.adminToken);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Add an API model' }).waitFor();
  }, 60_000);

  afterEach(async (ctx) => {
    if (ctx.task.result?.state === 'fail' && page) await screenshot(page, `FAILED-${ctx.task.name.slice(0, 40).replace(/\W+/g, '-')}`).catch(() => undefined);
  });

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await gw?.close();
    await fake?.close();
  });

  const format = () => page.getByRole('combobox', { name: 'API format' });
  const baseUrl = () => page.getByRole('textbox', { name: 'Base URL' });
  const name = () => page.getByRole('textbox', { name: 'Name', exact: true });

  it("offers every format; switching brings that provider's base URL, unless one was typed", async () => {
    expect(await format().locator('option').allTextContents()).toEqual(['OpenAI - Completions', 'OpenAI - Responses', 'Anthropic - Messages', 'Google - Gemini']);
    expect(await baseUrl().inputValue()).toBe('https://api.openai.com/v1');
    expect(await page.getByRole('textbox', { name: 'OpenAI organization' }).count()).toBe(1);

    await format().selectOption({ label: 'Anthropic - Messages' });
    expect(await baseUrl().inputValue()).toBe('https://api.anthropic.com/v1');
    // Account headers are OpenAI's: the other formats have none.
    expect(await page.getByRole('textbox', { name: 'OpenAI organization' }).count()).toBe(0);
    await page.getByText('Anthropic - Messages models serve /v1/messages and /anthropic/v1/messages.').waitFor();
    await format().selectOption({ label: 'Google - Gemini' });
    expect(await baseUrl().inputValue()).toBe('https://generativelanguage.googleapis.com/v1beta');
    await format().selectOption({ label: 'OpenAI - Completions' });
    expect(await baseUrl().inputValue()).toBe('https://api.openai.com/v1');
    await baseUrl().fill('https://proxy.example.com/v1');
    await format().selectOption({ label: 'Anthropic - Messages' });
    expect(await baseUrl().inputValue()).toBe('https://proxy.example.com/v1');
  });

  it("creates an anthropic API model: fetch models and test connection use Anthropic's API and key header", async () => {
    await name().fill('claude');
    await baseUrl().fill(fake.anthropicUrl);
    await page.getByLabel('API key').fill('wrong-key');
    await page.getByRole('button', { name: 'Fetch models' }).click();
    await page.getByText('The upstream answered 401: invalid x-api-key').waitFor();

    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Fetch models' }).click();
    const available = page.getByRole('list', { name: 'Models available upstream' });
    await available.waitFor();
    expect(await available.getByRole('listitem').allTextContents()).toEqual([' claude-haiku-4-5', ' claude-sonnet-4-5']);
    const listed = fake.requests.at(-1)!;
    expect(listed).toMatchObject({ method: 'GET', url: expect.stringMatching(/^\/v1\/models(\?|$)/) });
    expect(listed.headers['x-api-key']).toBe(KEY);
    expect(listed.headers['anthropic-version']).toEqual(expect.any(String));
    expect(listed.headers.authorization).toBeUndefined();

    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connected: GET /models answered 200.').waitFor();
    await available.getByLabel('claude-sonnet-4-5', { exact: true }).check();
    await screenshot(page, 'api-model-form-anthropic');
    await page.getByRole('button', { name: 'Create API model' }).click();
    await page.getByRole('heading', { name: 'API Models', level: 1 }).waitFor();
    expect(await page.getByRole('row', { name: /claude/ }).textContent()).toContain('Anthropic - Messages');
  });

  it("creates a gemini API model: its checks send x-goog-api-key; ids come without 'models/'", async () => {
    await page.getByRole('link', { name: 'Add API model' }).click();
    await page.getByRole('heading', { name: 'Add an API model' }).waitFor();
    await name().fill('gemini');
    await format().selectOption({ label: 'Google - Gemini' });
    await baseUrl().fill(fake.geminiUrl);
    await page.getByLabel('API key').fill(KEY);
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Connected: GET /models answered 200.').waitFor();
    expect(fake.requests.at(-1)).toMatchObject({ method: 'GET', url: '/v1beta/models' });
    expect(fake.requests.at(-1)!.headers['x-goog-api-key']).toBe(KEY);
    if (GEMINI_LISTS) {
      await page.getByRole('button', { name: 'Fetch models' }).click();
      const available = page.getByRole('list', { name: 'Models available upstream' });
      await available.waitFor();
      expect(await available.getByRole('listitem').allTextContents()).toEqual([' gemini-2.5-flash', ' gemini-2.5-pro']);
      await available.getByLabel('gemini-2.5-flash', { exact: true }).check();
    } else {
      await page.getByLabel('Model id to add').fill('gemini-2.5-flash');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
    }
    await page.getByRole('textbox', { name: 'Prefix' }).fill('gem/');
    await page.getByRole('button', { name: 'Create API model' }).click();
    await page.getByRole('heading', { name: 'API Models', level: 1 }).waitFor();
    expect(await page.getByRole('row', { name: /gemini/ }).textContent()).toContain('Google - Gemini');
  });

  it('lists their models on the Models page with their formats', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Models', exact: true }).click();
    await page.getByRole('row', { name: /claude-sonnet-4-5/ }).waitFor();
    expect(await page.getByRole('row', { name: /claude-sonnet-4-5/ }).getByRole('cell').allTextContents()).toEqual(['claude-sonnet-4-5', 'API', 'Anthropic - Messages', 'claude']);
    expect(await page.getByRole('row', { name: /gemini-2\.5-flash/ }).getByRole('cell').allTextContents()).toEqual([
      'gem/gemini-2.5-flash → upstream gemini-2.5-flash',
      'API',
      'Google - Gemini',
      'gemini',
    ]);
    await screenshot(page, 'models-formats');
  });

  /** Skips when the gateway has no such route yet (the surfaces are built separately). */
  const skipWithoutRoute = async (ctx: { skip: (condition: boolean, note?: string) => void }, path: string) => {
    const res = await gw.call(path, { method: 'POST', json: { model: 'no-such-model' } });
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
    const missing = res.status === 404 && body.error?.code === 'unknown_url';
    if (missing) console.warn(`skipped: this gateway build has no POST ${path} route yet (404 unknown_url)`);
    ctx.skip(missing, `this gateway build has no POST ${path} route yet (404 unknown_url)`);
  };

  const playground = async (mode: string) => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Playground', exact: true }).click();
    await page.getByRole('radiogroup', { name: 'API' }).getByText(mode, { exact: true }).click();
    expect(await page.getByRole('radio', { name: mode }).isChecked()).toBe(true);
  };

  /** The page shows text before the stream ends (`done` not yet among the events), then all of it. */
  const expectLiveText = async (first: string, done: string) => {
    await page.waitForFunction(
      ([start, end]) => {
        const text = document.querySelector('[data-testid="output-text"]')?.textContent ?? '';
        const events = document.querySelector('[data-testid="events"]')?.textContent ?? '';
        return text.startsWith(start!) && !events.includes(end!);
      },
      [first, done],
    );
    await page.getByTestId('events').getByText(done).waitFor();
  };

  it('Playground, Anthropic Messages: only anthropic models; text deltas shown as they arrive', async (ctx) => {
    await skipWithoutRoute(ctx, '/v1/messages');
    await playground('Anthropic Messages');
    expect(await page.getByLabel('Model').locator('option').allTextContents()).toEqual(['claude-sonnet-4-5 (claude)']);
    await page.getByLabel('Input').fill('Hello from the Playground');
    const before = fake.requests.length;
    await page.getByRole('button', { name: 'Send' }).click();
    await expectLiveText('Claude', 'message_stop');
    expect(await page.getByTestId('output-text').textContent()).toBe('Claude says: Hello from the Playground');
    const events = await page.getByTestId('events').locator('code').allTextContents();
    expect(events[0]).toBe('message_start');
    expect(events.at(-1)).toBe('message_stop');
    expect(events.filter((e) => e === 'content_block_delta').length).toBeGreaterThanOrEqual(5);
    expect(await page.locator('.status .badge').textContent()).toBe('completed');
    expect(await page.getByTestId('response-id').textContent()).toBe('msg_fake_1');

    // The upstream got its own key, the gateway token went nowhere near it.
    const sent = fake.requests.slice(before).find((r) => r.url.startsWith('/v1/messages'))!;
    expect(sent.method).toBe('POST');
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(JSON.parse(sent.body)).toMatchObject({ model: 'claude-sonnet-4-5', stream: true, max_tokens: expect.any(Number), messages: [{ role: 'user', content: 'Hello from the Playground' }] });
    await screenshot(page, 'playground-anthropic');
  });

  it('Playground, Gemini: only gemini models; streamed chunks shown as they arrive, thoughts left out', async (ctx) => {
    await skipWithoutRoute(ctx, '/v1beta/models/no-such-model:generateContent');
    await playground('Gemini');
    expect(await page.getByLabel('Model').locator('option').allTextContents()).toEqual(['gem/gemini-2.5-flash (gemini)']);
    await page.getByLabel('Input').fill('Hello Gemini');
    const before = fake.requests.length;
    await page.getByRole('button', { name: 'Send' }).click();
    await expectLiveText('Gemini', 'chunk (STOP)');
    await page.locator('.status .badge', { hasText: 'completed' }).waitFor();
    expect(await page.getByTestId('output-text').textContent()).toBe('Gemini says: Hello Gemini');
    expect(await page.getByTestId('response-id').textContent()).toBe('gem_resp_1');

    const sent = fake.requests.slice(before).find((r) => r.url.includes(':streamGenerateContent'))!;
    expect(sent.method).toBe('POST');
    expect(sent.url).toBe('/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
    expect(sent.headers['x-goog-api-key']).toBe(KEY);
    expect(sent.headers.authorization).toBeUndefined();
    expect(JSON.parse(sent.body)).toEqual({ contents: [{ role: 'user', parts: [{ text: 'Hello Gemini' }] }] });
    await screenshot(page, 'playground-gemini');
  });

  it('the Playground fits a 390px screen with all four APIs', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(gw.url + '/ui/playground');
    await page.getByRole('radiogroup', { name: 'API' }).waitFor();
    for (const mode of ['Responses', 'Chat Completions', 'Anthropic Messages', 'Gemini']) expect(await page.getByRole('radio', { name: mode }).count()).toBe(1);
    await page.getByRole('radiogroup', { name: 'API' }).getByText('Gemini', { exact: true }).click();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await screenshot(page, 'playground-gemini');
    await page.setViewportSize({ width: 1280, height: 860 });
  });

  it('logged no browser errors (CSP violations included)', () => {
    expect(errors.filter((e) => !e.startsWith('Failed to load resource'))).toEqual([]);
  });
});
