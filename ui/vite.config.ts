// Builds the web UI into ui/dist; the gateway serves it at /ui/ (src/app/ui.ts).
// `npx vite --config ui/vite.config.ts` serves it with hot reload, proxying the API to a
// gateway on the default port.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const gateway = process.env.BODHI_URL ?? 'http://127.0.0.1:1135';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // No inline polyfill script: the gateway serves the UI with a strict CSP.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 400,
  },
  server: { proxy: { '/v1': gateway, '/bodhi': gateway } },
});
