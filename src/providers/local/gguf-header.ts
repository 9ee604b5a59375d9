// Checks that a file is a GGUF model before an alias may point at it, without loading llama.cpp
// (which is optional and heavy): magic, version, sane tensor/metadata counts, every metadata
// key/value and tensor info parses inside the file, and `general.architecture` is present.
// A bad file is refused when the alias is created, not at the first request.
import { open, type FileHandle } from 'node:fs/promises';

export interface GgufSummary {
  version: number;
  tensorCount: number;
  metadataCount: number;
  architecture: string;
  /** `general.name`, when the file has one. */
  name: string | null;
}

export class GgufError extends Error {}

const MAGIC = Buffer.from('GGUF', 'latin1');
const SUPPORTED_VERSIONS = [2, 3];
// Far above any real model (a few thousand tensors, a few dozen keys), far below a corrupt count.
const MAX_TENSORS = 1_000_000;
const MAX_METADATA = 100_000;
const MAX_DIMS = 4;
const MAX_STRING = 64 * 1024 * 1024;

enum T {
  UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64,
}
const FIXED_SIZE: Partial<Record<T, number>> = {
  [T.UINT8]: 1, [T.INT8]: 1, [T.BOOL]: 1, [T.UINT16]: 2, [T.INT16]: 2,
  [T.UINT32]: 4, [T.INT32]: 4, [T.FLOAT32]: 4, [T.UINT64]: 8, [T.INT64]: 8, [T.FLOAT64]: 8,
};

/** Sequential little-endian reads over a file with a read-ahead buffer. */
class FileReader {
  private buf = Buffer.alloc(0);
  private bufStart = 0;
  pos = 0;

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
  ) {}

  async bytes(n: number): Promise<Buffer> {
    if (this.pos + n > this.size) throw new GgufError('the file ends in the middle of its header (truncated?)');
    const at = this.pos - this.bufStart;
    if (at >= 0 && at + n <= this.buf.length) {
      this.pos += n;
      return this.buf.subarray(at, at + n);
    }
    const len = Math.min(Math.max(n, 1 << 16), this.size - this.pos);
    const chunk = Buffer.alloc(len);
    const { bytesRead } = await this.fh.read(chunk, 0, len, this.pos);
    if (bytesRead < n) throw new GgufError('the file could not be read to the end of its header');
    this.buf = chunk;
    this.bufStart = this.pos;
    this.pos += n;
    return chunk.subarray(0, n);
  }

  async u32(): Promise<number> {
    return (await this.bytes(4)).readUInt32LE(0);
  }

  async u64(): Promise<number> {
    const v = (await this.bytes(8)).readBigUInt64LE(0);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new GgufError('a size in the header is implausibly large');
    return Number(v);
  }

  async str(): Promise<string> {
    const len = await this.u64();
    if (len > MAX_STRING) throw new GgufError('a string in the header is implausibly long');
    return (await this.bytes(len)).toString('utf8');
  }

  skip(n: number): void {
    if (this.pos + n > this.size) throw new GgufError('the file ends in the middle of its header (truncated?)');
    this.pos += n;
  }
}

async function readValue(r: FileReader, type: number): Promise<string | null> {
  const fixed = FIXED_SIZE[type as T];
  if (fixed !== undefined) {
    r.skip(fixed);
    return null;
  }
  if (type === T.STRING) return r.str();
  if (type !== T.ARRAY) throw new GgufError(`unknown metadata value type ${type}`);
  const itemType = await r.u32();
  const count = await r.u64();
  const itemFixed = FIXED_SIZE[itemType as T];
  if (itemFixed !== undefined) r.skip(count * itemFixed);
  else if (itemType === T.STRING) for (let i = 0; i < count; i++) r.skip(await r.u64());
  else throw new GgufError(`unsupported metadata array type ${itemType}`);
  return null;
}

/** Reads and checks a GGUF file's header; throws GgufError (or a file-system error) when it is not a usable model. */
export async function readGgufSummary(path: string): Promise<GgufSummary> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const r = new FileReader(fh, size);
    if (size < 24) throw new GgufError('the file is too small to be a GGUF model');
    const magic = Buffer.from(await r.bytes(4));
    if (!magic.equals(MAGIC)) throw new GgufError('not a GGUF file (the first bytes are not "GGUF")');
    const version = await r.u32();
    if (!SUPPORTED_VERSIONS.includes(version)) throw new GgufError(`unsupported GGUF version ${version} (supported: ${SUPPORTED_VERSIONS.join(', ')})`);
    const tensorCount = await r.u64();
    const metadataCount = await r.u64();
    if (tensorCount < 1 || tensorCount > MAX_TENSORS) throw new GgufError(`implausible tensor count ${tensorCount}`);
    if (metadataCount < 1 || metadataCount > MAX_METADATA) throw new GgufError(`implausible metadata count ${metadataCount}`);

    let architecture: string | null = null;
    let name: string | null = null;
    for (let i = 0; i < metadataCount; i++) {
      const key = await r.str();
      const type = await r.u32();
      const value = await readValue(r, type);
      if (key === 'general.architecture') architecture = value;
      else if (key === 'general.name') name = value;
    }
    if (!architecture) throw new GgufError('the metadata has no general.architecture');

    for (let i = 0; i < tensorCount; i++) {
      await r.str();
      const dims = await r.u32();
      if (dims < 1 || dims > MAX_DIMS) throw new GgufError(`tensor ${i} has ${dims} dimensions`);
      r.skip(dims * 8 + 4 + 8); // dims, type, offset
    }
    return { version, tensorCount, metadataCount, architecture, name };
  } finally {
    await fh.close();
  }
}
