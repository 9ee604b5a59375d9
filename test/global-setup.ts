// Runs once before any test file: makes sure dist/ (what bin/bodhi runs) is built from the
// current src/ (a no-op, a stat per source file, when `npm test` has just built it), and starts
// the run with an empty screenshot folder (several browser test files write to it at once).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFreshDist } from './support/dist-freshness.js';

export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  ensureFreshDist(root);
  // test/ui/browser.ts writes here (SCREENSHOTS).
  rmSync(join(root, 'test-output', 'screenshots'), { recursive: true, force: true });
}
