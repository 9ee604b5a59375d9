// Swagger UI's options: the gateway's name and icon instead of Fastify's logo, the top bar's
// Explore box on /api-docs/openapi.json (the document's public address), and a strict
// Content-Security-Policy for /swagger-ui only (the web UI under /ui/ sets its own, ui.ts).
import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';

export const DOCS_JSON_PATH = '/api-docs/openapi.json';
export const SWAGGER_UI_PREFIX = '/swagger-ui';
export const SWAGGER_UI_TITLE = 'API reference · Bodhi Gateway';

/** "Bodhi Gateway" in the web UI's colours, for Swagger UI's dark top bar (shown 40 px high). */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" width="220" height="40" viewBox="0 0 220 40" role="img" aria-label="Bodhi Gateway">
<title>Bodhi Gateway</title>
<text x="0" y="29" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif" font-size="26" font-weight="700" fill="#ffffff">Bodhi <tspan fill="#8aa8f0" font-weight="600">Gateway</tspan></text>
</svg>`;

export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">
<rect width="32" height="32" rx="7" fill="#2f5bd3"/>
<text x="16" y="23" text-anchor="middle" font-family="system-ui, sans-serif" font-size="20" font-weight="700" fill="#ffffff">B</text>
</svg>`;

/**
 * For /swagger-ui and its assets only (the plugin's routes are encapsulated). Swagger UI needs
 * no inline script or style once its own logo (an SVG with a <style> element) is replaced
 * (swaggerUiPlugin below); data: images are the logo and the UI's icons. No
 * upgrade-insecure-requests: the gateway is usually served over plain HTTP, where that would
 * send every asset request to an https:// address that does not answer.
 */
export const SWAGGER_UI_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
].join('; ');

/** The few parts of Swagger UI's plugin system the plugin below uses. */
interface SwaggerUiSystem {
  React: { createElement(type: string, props: Record<string, unknown> | null, ...children: unknown[]): unknown };
}
type Action = (url?: unknown) => unknown;

/**
 * A Swagger UI plugin. It runs in the browser: @fastify/swagger-ui writes its source text into
 * the page's initializer script, so it must not refer to anything outside itself.
 *  - Logo: Swagger UI's own logo is an SVG with an inline <style> element, which the CSP
 *    above refuses; this renders the name instead (then replaced by the `logo` image).
 *  - The document's address: @fastify/swagger-ui always points Swagger UI at its own copy
 *    (`/swagger-ui/json`, the same document); this loads and shows /api-docs/openapi.json.
 */
export function swaggerUiPlugin(system: SwaggerUiSystem) {
  const docsUrl = (url?: unknown) => (typeof url === 'string' && /\/swagger-ui\/json$/.test(url) ? '/api-docs/openapi.json' : url);
  return {
    components: {
      Logo: () => system.React.createElement('span', { className: 'bodhi-logo' }, 'Bodhi Gateway'),
    },
    statePlugins: {
      spec: {
        wrapActions: {
          updateUrl: (original: Action) => (url?: unknown) => original(docsUrl(url)),
          download: (original: Action) => (url?: unknown) => original(docsUrl(url)),
        },
      },
    },
  };
}

/** Swagger UI's standalone layout needs its DownloadUrl plugin (the top bar's Explore box), which a `plugins` list replaces. */
function downloadUrlPlugin(system: unknown): object {
  return (globalThis as unknown as { SwaggerUIBundle: { plugins: { DownloadUrl(system: unknown): object } } }).SwaggerUIBundle.plugins.DownloadUrl(system);
}

export const swaggerUiOptions: FastifySwaggerUiOptions = {
  routePrefix: SWAGGER_UI_PREFIX,
  staticCSP: SWAGGER_UI_CSP,
  logo: { type: 'image/svg+xml', content: LOGO_SVG },
  theme: {
    title: SWAGGER_UI_TITLE,
    favicon: [{ filename: 'favicon.svg', rel: 'icon', type: 'image/svg+xml', sizes: 'any', content: FAVICON_SVG }],
  },
  uiConfig: {
    deepLinking: true,
    docExpansion: 'list',
    defaultModelsExpandDepth: 0,
    displayRequestDuration: true,
    plugins: [downloadUrlPlugin, swaggerUiPlugin],
  },
};
