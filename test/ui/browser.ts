/// <reference lib="dom" />
// DOM types: page.evaluate() callbacks run in the browser.
// Browser test support: real headless Chromium (the Debian package) driven by playwright-core,
// a fresh UI build when its sources changed, and screenshots under test-output/.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const UI = join(ROOT, 'ui');
export const SCREENSHOTS = join(ROOT, 'test-output', 'screenshots');

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** `npm ci` builds the UI; rebuild here only when a source is newer than the build. */
export async function ensureUiBuilt(): Promise<void> {
  const built = join(UI, 'dist', 'index.html');
  const sources = Math.max(newestMtime(join(UI, 'src')), newestMtime(join(UI, 'index.html')), newestMtime(join(UI, 'vite.config.ts')));
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  const { build } = await import('vite');
  await build({ configFile: join(UI, 'vite.config.ts'), logLevel: 'warn' });
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install it with 'apt-get install -y chromium' ('npm run test:fresh' does).`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const width = page.viewportSize()?.width ?? 0;
  // A full-page capture of a scrolled page would show the sticky header mid-page.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(SCREENSHOTS, `${width}-${name}.png`), fullPage: true });
}

/** Starts a run with an empty screenshot folder (no stale pictures from an earlier run). */
export function clearScreenshots(): void {
  rmSync(SCREENSHOTS, { recursive: true, force: true });
}

/** Collects console errors and page errors (a CSP violation shows up here too). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  page.on('pageerror', (err) => errors.push(err.message));
  return errors;
}
