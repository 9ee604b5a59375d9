// Runs once before any test file: makes sure dist/ (what bin/bodhi runs) is built from the
// current src/. A no-op (a stat per source file) when `npm test` has just built it.
import { fileURLToPath } from 'node:url';
import { ensureFreshDist } from './support/dist-freshness.js';

export default function setup(): void {
  ensureFreshDist(fileURLToPath(new URL('..', import.meta.url)));
}
