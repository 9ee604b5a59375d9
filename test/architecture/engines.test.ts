// `npm ci` prints no engine warning on the Node versions the project supports: every package the
// lock installs (dev and optional ones included) accepts them. A dependency that drops Node 20
// (as cookie 2 did, through fastify -> light-my-request) fails here, not on a user's machine.
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { engines: { node: string } };

describe('engines', () => {
  it('every locked package accepts the supported Node versions', () => {
    // The project's own floor, and the current majors it must keep working on.
    const versions = [semver.minVersion(pkg.engines.node)!.version, '22.13.0', '24.0.0'];
    expect(versions[0]).toBe('20.19.0');
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = entry.engines?.node;
      if (!path || !range) continue;
      for (const v of versions) if (!semver.satisfies(v, range)) refusing.push(`${path} (node ${range}) refuses ${v}`);
    }
    expect(refusing).toEqual([]);
  });
});
