// Serves the web UI (built by Vite into ui/dist) at /ui/, with a single-page-app fallback to
// index.html, and redirects / there. The UI keeps its admin token in sessionStorage, so the
// pages get a strict Content-Security-Policy: no inline or third-party script can read it.
import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { GATEWAY_ERROR_HEADERS, unknownUrl } from '../errors/catalogue.js';
import { sendError } from '../surfaces/openai/errors.js';

export const UI_DIR = fileURLToPath(new URL('../../ui/dist/', import.meta.url));

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/** The part of a response setHeaders needs (@fastify/static passes a small wrapper). */
interface HeaderSink {
  setHeader(name: string, value: string): unknown;
}

function pageHeaders(res: HeaderSink, path: string): void {
  res.setHeader('content-security-policy', CSP);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
  // Vite names assets by content hash: cache them for good, never the page that lists them.
  res.setHeader('cache-control', /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache');
}

const hidden = { schema: { hide: true } } as const;

export function registerUi(app: FastifyInstance, dir: string = UI_DIR): void {
  app.get('/', hidden, (_request, reply) => reply.redirect('/ui/'));

  void app.register(
    async (ui) => {
      if (!existsSync(join(dir, 'index.html'))) {
        ui.get('/*', hidden, (_request, reply) =>
          reply.code(503).headers(GATEWAY_ERROR_HEADERS).type('text/plain; charset=utf-8').send('The web UI is not built. Run `npm run build` (npm ci does it) and restart.'),
        );
        return;
      }
      // cacheControl: false leaves Cache-Control to pageHeaders (immutable assets, no-cache pages).
      await ui.register(fastifyStatic, { root: dir, prefix: '/', setHeaders: pageHeaders, cacheControl: false, redirect: true });
      // Client-side routes (/ui/tokens, ...) get the app; a missing asset stays a 404.
      ui.setNotFoundHandler((request, reply) => {
        const path = request.url.split('?')[0] ?? '';
        if (request.method !== 'GET' || extname(path) !== '') return sendError(reply, unknownUrl(request.method, path));
        pageHeaders(reply.raw, 'index.html');
        return reply.type('text/html; charset=utf-8').sendFile('index.html');
      });
    },
    { prefix: '/ui' },
  );
}
