// Tests that spawn `bin/bodhi` (the CLI, `bodhi serve` child processes) run the compiled dist/,
// not src/. `npm test` compiles first; `npx vitest run <file>` does not, and used to test
// whatever dist/ was left from the last build. The global setup (test/global-setup.ts) uses
// these helpers to rebuild dist/ when a source file is newer than its output.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sources(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Source files under `root`/src whose `root`/dist output is missing or older than they are (paths relative to root). */
export function staleOutputs(root: string): string[] {
  const src = join(root, 'src');
  const stale: string[] = [];
  for (const file of sources(src)) {
    const out = join(root, 'dist', relative(src, file)).replace(/\.ts$/, '.js');
    if (!existsSync(out) || statSync(out).mtimeMs < statSync(file).mtimeMs) stale.push(relative(root, file));
  }
  return stale.sort();
}

/**
 * Rebuilds dist/ with `tsc -p tsconfig.build.json` when it is stale; throws with a clear message
 * when the build fails or leaves it stale. Returns the stale files it found (empty: nothing to do).
 */
export function ensureFreshDist(root: string, log: (line: string) => void = console.log): string[] {
  const stale = staleOutputs(root);
  if (stale.length === 0) return stale;
  const shown = stale.slice(0, 5).join(', ') + (stale.length > 5 ? ` and ${stale.length - 5} more` : '');
  log(`dist/ is older than src/ (${shown}): running tsc -p tsconfig.build.json, since tests that spawn bin/bodhi run dist/`);
  try {
    execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  } catch (err) {
    throw new Error(`dist/ is stale and \`tsc -p tsconfig.build.json\` failed (${(err as Error).message.split('\n')[0]}): fix the build; tests that spawn bin/bodhi would run old code`);
  }
  const still = staleOutputs(root);
  if (still.length) throw new Error(`dist/ is still older than src/ after building: ${still.slice(0, 5).join(', ')}`);
  return stale;
}
