// How the gateway serves the built web UI: / redirects, deep links get the app, assets are
// cached for good, a missing asset stays a 404, every page carries a strict CSP, and an
// unbuilt UI says how to build it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerUi } from '../../src/app/ui.js';
import { tempHome } from '../support/gateway.js';

async function appFor(dir: string): Promise<FastifyInstance> {
  const app = Fastify();
  registerUi(app, dir);
  await app.ready();
  return app;
}

describe('serving the built UI', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    const dir = tempHome('bodhi-ui-');
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)');
    app = await appFor(dir);
  });
  afterAll(() => app.close());

  it('redirects / to /ui/', async () => {
    const res = await app.inject({ url: '/' });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/ui/');
  });

  it.each(['/ui/', '/ui', '/ui/tokens', '/ui/api-models/abc', '/ui/playground?x=1'])('serves the app with a strict CSP at %s', async (url) => {
    const res = await app.inject({ url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.body).toContain('<title>app</title>');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['cache-control']).toBe('no-cache');
  });

  it('caches hashed assets for good; a missing asset is a 404 in the error envelope', async () => {
    const asset = await app.inject({ url: '/ui/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const missing = await app.inject({ url: '/ui/assets/nope.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error).toMatchObject({ type: 'not_found_error', code: 'unknown_url' });
    expect((await app.inject({ url: '/ui/x', method: 'POST' })).statusCode).toBe(404);
  });
});

describe('an unbuilt UI', () => {
  it('answers 503 saying how to build it', async () => {
    const app = await appFor(join(tempHome('bodhi-ui-'), 'missing'));
    const res = await app.inject({ url: '/ui/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    await app.close();
  });
});
