// Writes a tiny llama-architecture GGUF model (a few hundred KB, f32, deterministic weights) so
// tests can run real llama.cpp inference without downloading a model. The output is gibberish
// made of the vocabulary's words; tests assert on shapes, counts, finish reasons and usage.
//
// Layout (GGUF v3): header (magic, version, tensor count, metadata count), metadata key/values,
// tensor infos (name, dims innermost first, type, offset into the data section), padding to
// `general.alignment`, then the tensor data, each tensor aligned.
//
// Two choices make the model predictable enough to test against:
// - Every token embedding has a large positive value in dimension 0 and the attention/FFN
//   weights are small, so after the final RMS norm dimension 0 stays positive.
// - The output row of every control and byte token has a large negative weight in dimension 0,
//   so the model never emits end-of-sequence (generation runs to max_tokens unless a stop
//   sequence or a client disconnect ends it) and only ever emits readable word pieces.
import { writeFileSync } from 'node:fs';

export interface TinyGgufOptions {
  layers?: number;
  /** Embedding width (n_embd); a multiple of `heads`. */
  embedding?: number;
  heads?: number;
  /** Key/value heads (grouped-query attention); divides `heads`. */
  kvHeads?: number;
  feedForward?: number;
  contextLength?: number;
  /** Seed for the deterministic weights. */
  seed?: number;
  /** Extra whole-word pieces for the vocabulary (written with the SentencePiece space marker). */
  words?: readonly string[];
  /** Writes a non-standard `general.architecture` (to test rejected files). */
  architecture?: string;
}

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
const ALIGNMENT = 32;
const SPACE = '\u2581'; // SentencePiece's word-boundary marker

enum ValueType {
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}

enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  BYTE = 6,
}

const DEFAULT_WORDS = [
  'the', 'a', 'hello', 'world', 'bodhi', 'gateway', 'model', 'local', 'tiny', 'test', 'token', 'stream',
  'quick', 'brown', 'fox', 'jumps', 'over', 'lazy', 'dog', 'and', 'of', 'to', 'in', 'is', 'it', 'on',
  'llama', 'river', 'stone', 'light', 'cloud', 'green', 'blue', 'red', 'seven', 'nine',
];

/** Small seeded PRNG (mulberry32): the same seed gives the same model bytes. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Vocab {
  tokens: string[];
  scores: number[];
  types: number[];
}

function buildVocab(words: readonly string[]): Vocab {
  const tokens: string[] = ['<unk>', '<s>', '</s>'];
  const types: number[] = [TokenType.UNKNOWN, TokenType.CONTROL, TokenType.CONTROL];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    types.push(TokenType.BYTE);
  }
  const pieces = new Set<string>([SPACE]);
  for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789.,!?') pieces.add(c);
  // Every prefix of every word, so SentencePiece's pairwise merges can build whole words.
  for (const w of words) for (let n = 2; n <= w.length + 1; n++) pieces.add((SPACE + w).slice(0, n));
  for (const p of pieces) {
    tokens.push(p);
    types.push(TokenType.NORMAL);
  }
  // SentencePiece merges by score: longer pieces score higher so whole words win.
  const scores = tokens.map((t, i) => (types[i] === TokenType.NORMAL ? t.length - i / 1000 : 0));
  return { tokens, scores, types };
}

/** Appends little-endian values to a growing list of buffers. */
class Writer {
  private parts: Buffer[] = [];
  size = 0;

  private push(b: Buffer): void {
    this.parts.push(b);
    this.size += b.length;
  }
  u32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    this.push(b);
  }
  i32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32LE(v);
    this.push(b);
  }
  u64(v: number): void {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(v));
    this.push(b);
  }
  f32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeFloatLE(v);
    this.push(b);
  }
  str(s: string): void {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  bytes(b: Buffer): void {
    this.push(b);
  }
  padTo(alignment: number): void {
    const pad = (alignment - (this.size % alignment)) % alignment;
    if (pad) this.push(Buffer.alloc(pad));
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.size);
  }
}

type MetaValue =
  | { type: 'u32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'str'; value: string }
  | { type: 'str[]'; value: readonly string[] }
  | { type: 'f32[]'; value: readonly number[] }
  | { type: 'i32[]'; value: readonly number[] };

function writeMeta(w: Writer, key: string, v: MetaValue): void {
  w.str(key);
  switch (v.type) {
    case 'u32':
      w.u32(ValueType.UINT32);
      w.u32(v.value);
      break;
    case 'f32':
      w.u32(ValueType.FLOAT32);
      w.f32(v.value);
      break;
    case 'bool':
      w.u32(ValueType.BOOL);
      w.bytes(Buffer.from([v.value ? 1 : 0]));
      break;
    case 'str':
      w.u32(ValueType.STRING);
      w.str(v.value);
      break;
    case 'str[]':
      w.u32(ValueType.ARRAY);
      w.u32(ValueType.STRING);
      w.u64(v.value.length);
      for (const s of v.value) w.str(s);
      break;
    case 'f32[]':
      w.u32(ValueType.ARRAY);
      w.u32(ValueType.FLOAT32);
      w.u64(v.value.length);
      for (const f of v.value) w.f32(f);
      break;
    case 'i32[]':
      w.u32(ValueType.ARRAY);
      w.u32(ValueType.INT32);
      w.u64(v.value.length);
      for (const i of v.value) w.i32(i);
      break;
  }
}

interface Tensor {
  name: string;
  /** ggml order: innermost (row length) first. */
  dims: number[];
  data: Float32Array;
}

/** Builds the GGUF bytes of a tiny llama model. */
export function tinyGguf(options: TinyGgufOptions = {}): Buffer {
  const layers = options.layers ?? 1;
  const embd = options.embedding ?? 32;
  const heads = options.heads ?? 4;
  const kvHeads = options.kvHeads ?? heads;
  const ff = options.feedForward ?? 64;
  const ctx = options.contextLength ?? 4096;
  if (embd % heads !== 0 || heads % kvHeads !== 0) throw new Error('embedding must divide by heads, heads by kvHeads');
  const headDim = embd / heads;
  const kvDim = headDim * kvHeads;
  const vocab = buildVocab(options.words ?? DEFAULT_WORDS);
  const nVocab = vocab.tokens.length;
  const rand = prng(options.seed ?? 42);
  const uniform = (scale: number) => (rand() * 2 - 1) * scale;

  const matrix = (rows: number, cols: number, scale: number) => Float32Array.from({ length: rows * cols }, () => uniform(scale));
  const ones = (n: number) => new Float32Array(n).fill(1);

  // token_embd: one row of `embd` values per token; dimension 0 is the positive anchor.
  const tokenEmbd = matrix(nVocab, embd, 0.5);
  for (let t = 0; t < nVocab; t++) tokenEmbd[t * embd] = 1;
  // output: one row per token; control and byte tokens get a large negative anchor weight.
  const output = matrix(nVocab, embd, 1);
  for (let t = 0; t < nVocab; t++) output[t * embd] = vocab.types[t] === TokenType.NORMAL ? 0 : -30;

  const tensors: Tensor[] = [
    { name: 'token_embd.weight', dims: [embd, nVocab], data: tokenEmbd },
    { name: 'output_norm.weight', dims: [embd], data: ones(embd) },
    { name: 'output.weight', dims: [embd, nVocab], data: output },
  ];
  const small = 0.05;
  for (let l = 0; l < layers; l++) {
    tensors.push(
      { name: `blk.${l}.attn_norm.weight`, dims: [embd], data: ones(embd) },
      { name: `blk.${l}.attn_q.weight`, dims: [embd, embd], data: matrix(embd, embd, small) },
      { name: `blk.${l}.attn_k.weight`, dims: [embd, kvDim], data: matrix(kvDim, embd, small) },
      { name: `blk.${l}.attn_v.weight`, dims: [embd, kvDim], data: matrix(kvDim, embd, small) },
      { name: `blk.${l}.attn_output.weight`, dims: [embd, embd], data: matrix(embd, embd, small) },
      { name: `blk.${l}.ffn_norm.weight`, dims: [embd], data: ones(embd) },
      { name: `blk.${l}.ffn_gate.weight`, dims: [embd, ff], data: matrix(ff, embd, small) },
      { name: `blk.${l}.ffn_up.weight`, dims: [embd, ff], data: matrix(ff, embd, small) },
      { name: `blk.${l}.ffn_down.weight`, dims: [ff, embd], data: matrix(embd, ff, small) },
    );
  }

  const arch = options.architecture ?? 'llama';
  const meta: [string, MetaValue][] = [
    ['general.architecture', { type: 'str', value: arch }],
    ['general.name', { type: 'str', value: 'bodhi-tiny-test' }],
    ['general.alignment', { type: 'u32', value: ALIGNMENT }],
    ['general.file_type', { type: 'u32', value: 0 }], // all f32
    [`${arch}.context_length`, { type: 'u32', value: ctx }],
    [`${arch}.embedding_length`, { type: 'u32', value: embd }],
    [`${arch}.block_count`, { type: 'u32', value: layers }],
    [`${arch}.feed_forward_length`, { type: 'u32', value: ff }],
    [`${arch}.attention.head_count`, { type: 'u32', value: heads }],
    [`${arch}.attention.head_count_kv`, { type: 'u32', value: kvHeads }],
    [`${arch}.rope.dimension_count`, { type: 'u32', value: headDim }],
    [`${arch}.rope.freq_base`, { type: 'f32', value: 10000 }],
    [`${arch}.attention.layer_norm_rms_epsilon`, { type: 'f32', value: 1e-5 }],
    [`${arch}.vocab_size`, { type: 'u32', value: nVocab }],
    ['tokenizer.ggml.model', { type: 'str', value: 'llama' }],
    ['tokenizer.ggml.tokens', { type: 'str[]', value: vocab.tokens }],
    ['tokenizer.ggml.scores', { type: 'f32[]', value: vocab.scores }],
    ['tokenizer.ggml.token_type', { type: 'i32[]', value: vocab.types }],
    ['tokenizer.ggml.unknown_token_id', { type: 'u32', value: 0 }],
    ['tokenizer.ggml.bos_token_id', { type: 'u32', value: 1 }],
    ['tokenizer.ggml.eos_token_id', { type: 'u32', value: 2 }],
    ['tokenizer.ggml.add_bos_token', { type: 'bool', value: true }],
    ['tokenizer.ggml.add_eos_token', { type: 'bool', value: false }],
  ];

  const w = new Writer();
  w.u32(GGUF_MAGIC);
  w.u32(3);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const [key, value] of meta) writeMeta(w, key, value);

  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(0); // GGML_TYPE_F32
    w.u64(offset);
    offsets.push(offset);
    offset += Math.ceil((t.data.length * 4) / ALIGNMENT) * ALIGNMENT;
  }
  w.padTo(ALIGNMENT);
  for (const t of tensors) {
    w.bytes(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.padTo(ALIGNMENT);
  }
  return w.toBuffer();
}

/** Writes a tiny model to `path` and returns the path. */
export function writeTinyGguf(path: string, options: TinyGgufOptions = {}): string {
  writeFileSync(path, tinyGguf(options));
  return path;
}
