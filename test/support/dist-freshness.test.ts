// dist/ freshness: the global setup rebuilds dist/ (what bin/bodhi runs) when src/ is newer, so
// `npx vitest run <file>` never tests stale code.
import { mkdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { tempHome } from './gateway.js';
import { ensureFreshDist, staleOutputs } from './dist-freshness.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('dist/ freshness', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  /** A tree with src/a.ts, src/sub/b.ts, src/types.d.ts and their outputs, all at `t` seconds. */
  function tree(t: number): string {
    dir = tempHome('bodhi-dist-');
    mkdirSync(join(dir, 'src', 'sub'), { recursive: true });
    mkdirSync(join(dir, 'dist', 'sub'), { recursive: true });
    for (const f of ['src/a.ts', 'src/sub/b.ts', 'src/types.d.ts', 'dist/a.js', 'dist/sub/b.js']) {
      writeFileSync(join(dir, f), '');
      utimesSync(join(dir, f), t, t);
    }
    return dir;
  }

  it('finds source files newer than their output, and sources with no output', () => {
    const root = tree(1_000_000);
    expect(staleOutputs(root)).toEqual([]);
    utimesSync(join(root, 'src/sub/b.ts'), 1_000_001, 1_000_001);
    expect(staleOutputs(root)).toEqual(['src/sub/b.ts']);
    writeFileSync(join(root, 'src/c.ts'), '');
    expect(staleOutputs(root)).toEqual(['src/c.ts', 'src/sub/b.ts']);
  });

  it('does nothing (no build) when dist/ is fresh', () => {
    const root = tree(1_000_000);
    const lines: string[] = [];
    expect(ensureFreshDist(root, (l) => lines.push(l))).toEqual([]);
    expect(lines).toEqual([]);
  });

  it('fails with a clear message when dist/ is stale and cannot be built', () => {
    const root = tree(1_000_000);
    utimesSync(join(root, 'src/a.ts'), 1_000_001, 1_000_001);
    const lines: string[] = [];
    // No node_modules/typescript in the temp tree: the build cannot run.
    expect(() => ensureFreshDist(root, (l) => lines.push(l))).toThrow(/dist\/ is stale and `tsc -p tsconfig.build.json` failed/);
    expect(lines[0]).toContain('src/a.ts');
  });

  it("this checkout's dist/ was built from the current src/ before the tests ran (global setup)", () => {
    expect(staleOutputs(ROOT)).toEqual([]);
  });
});
