// The GGUF check behind alias creation, on generated files: a good tiny model passes; files
// that are not GGUF, truncated, of an unknown version or with absurd counts are refused.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GgufError, readGgufSummary } from '../../../src/providers/local/gguf-header.js';
import { tinyGguf } from '../../support/tiny-gguf.js';

describe('GGUF header check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bodhi-gguf-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const good = tinyGguf();
  const file = (name: string, bytes: Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
  const patched = (offset: number, write: (b: Buffer) => void) => {
    const b = Buffer.from(good);
    write(b.subarray(offset));
    return b;
  };

  it('accepts the tiny test model and reads its summary', async () => {
    expect(good.length).toBeLessThan(200_000);
    const summary = await readGgufSummary(file('good.gguf', good));
    expect(summary).toMatchObject({ version: 3, architecture: 'llama', name: 'bodhi-tiny-test', tensorCount: 12 });
    expect(summary.metadataCount).toBeGreaterThan(15);
  });

  it('refuses what is not a usable GGUF model', async () => {
    const cases: [string, Buffer, RegExp][] = [
      ['text.gguf', Buffer.from('{"this is": "json, not a model"}\n'.repeat(4)), /not a GGUF file/],
      ['tiny.gguf', Buffer.from('GGUF'), /too small/],
      ['v99.gguf', patched(4, (b) => b.writeUInt32LE(99)), /unsupported GGUF version 99/],
      ['no-tensors.gguf', patched(8, (b) => b.writeBigUInt64LE(0n)), /implausible tensor count 0/],
      ['many-kv.gguf', patched(16, (b) => b.writeBigUInt64LE(1n << 40n)), /implausible metadata count/],
      ['truncated.gguf', good.subarray(0, 3000), /truncated/],
      ['no-arch.gguf', tinyGguf({ architecture: '' }), /no general.architecture/],
    ];
    for (const [name, bytes, why] of cases) {
      const err = await readGgufSummary(file(name, bytes)).catch((e: unknown) => e);
      expect(err, name).toBeInstanceOf(GgufError);
      expect((err as Error).message, name).toMatch(why);
    }
  });
});
