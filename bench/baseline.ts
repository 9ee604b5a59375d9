// `--baseline <ref>`: checks that git ref out into a temporary detached worktree that shares this
// checkout's node_modules, and compiles it there (tsc only; the bench does not need the web UI),
// so that run.ts can start its `bin/bodhi` as one more target beside the current build. The
// worktree is removed when the bench ends, also when it fails or is interrupted.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export interface Baseline {
  /** The ref as given on the command line. */
  ref: string;
  sha: string;
  short: string;
  /** Root of the built worktree (holds bin/bodhi and dist/). */
  dir: string;
  /** The ref's package-lock.json differs from this checkout's (it runs with this checkout's node_modules anyway). */
  lockDiffers: boolean;
}

const run = promisify(execFile);

/** What exists of the temporary worktree so far, for removeBaseline(). */
let made: { repo: string; parent: string; dir: string; added: boolean } | undefined;
/** Stops the git or tsc child still at work when the run is interrupted. */
const working = new AbortController();

/** Removes the worktree and its temp dir (idempotent, synchronous so it can run on process exit). */
export function removeBaseline(): void {
  const m = made;
  if (!m) return;
  made = undefined;
  working.abort();
  // Unlink the node_modules symlink first so nothing below can reach the shared node_modules.
  try {
    unlinkSync(join(m.dir, 'node_modules'));
  } catch {
    // not created yet
  }
  if (m.added) {
    try {
      execFileSync('git', ['worktree', 'remove', '--force', m.dir], { cwd: m.repo, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      process.stderr.write(`warning: could not remove the baseline worktree (${String((err as { stderr?: unknown }).stderr ?? err).trim()}); run: git worktree remove --force ${m.dir}\n`);
    }
  }
  rmSync(m.parent, { recursive: true, force: true });
}

async function git(repo: string, ...args: string[]): Promise<string> {
  return (await run('git', args, { cwd: repo, encoding: 'utf8', signal: working.signal })).stdout.trim();
}

/** Resolves `ref`, checks it out into a temporary worktree and builds it. */
export async function prepareBaseline(repo: string, ref: string, log: (msg: string) => void): Promise<Baseline> {
  let sha: string;
  try {
    sha = await git(repo, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`);
  } catch {
    throw new Error(`--baseline: '${ref}' does not resolve to a commit in ${repo} (git rev-parse --verify '${ref}^{commit}' failed)`);
  }
  const short = await git(repo, 'rev-parse', '--short', sha);
  if (made) throw new Error('prepareBaseline: a baseline worktree already exists');
  process.on('exit', removeBaseline);
  const parent = mkdtempSync(join(tmpdir(), 'bodhi-bench-baseline-'));
  const dir = join(parent, `bodhi-${short}`);
  made = { repo, parent, dir, added: false };
  try {
    log(`baseline: ${ref} is ${sha}; checking it out into ${dir}`);
    await git(repo, 'worktree', 'add', '--detach', dir, sha);
    made.added = true;
    symlinkSync(realpathSync(join(repo, 'node_modules')), join(dir, 'node_modules'), 'dir');
    const lock = (root: string) => (existsSync(join(root, 'package-lock.json')) ? readFileSync(join(root, 'package-lock.json'), 'utf8') : '');
    const lockDiffers = lock(dir) !== lock(repo);
    if (lockDiffers) log(`warning: package-lock.json at ${ref} (${short}) differs from this checkout's; the baseline runs with this checkout's node_modules`);
    log(`baseline: building ${short} (npx tsc -p tsconfig.build.json)`);
    const started = performance.now();
    try {
      await run('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, signal: working.signal });
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string; message: string };
      const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(0, 20).join('\n');
      throw new Error(`--baseline: building ${ref} (${short}) failed:\n${out || e.message}`);
    }
    if (!existsSync(join(dir, 'bin', 'bodhi'))) throw new Error(`--baseline: ${ref} (${short}) has no bin/bodhi`);
    log(`baseline: built in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return { ref, sha, short, dir, lockDiffers };
  } catch (err) {
    removeBaseline();
    throw err;
  }
}
