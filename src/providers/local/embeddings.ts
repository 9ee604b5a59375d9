// Embeddings from a local alias in OpenAI's shape. `encoding_format: "base64"` (what the node
// SDK asks for by default) is the vector as little-endian float32 bytes.
import { badRequest } from '../../errors/catalogue.js';
import type { LocalModel } from './engine.js';

export interface LocalEmbeddingsRequest {
  inputs: string[];
  encoding: 'float' | 'base64';
  dimensions: number | undefined;
}

export interface EmbeddingItem {
  object: 'embedding';
  index: number;
  embedding: number[] | string;
}

export interface EmbeddingsResult {
  data: EmbeddingItem[];
  usage: { prompt_tokens: number; total_tokens: number };
}

const MAX_INPUTS = 2048;

export function parseEmbeddingsRequest(body: Record<string, unknown>): LocalEmbeddingsRequest {
  const { input, encoding_format: encoding = 'float', dimensions } = body;
  if (input === undefined) throw badRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  const inputs = typeof input === 'string' ? [input] : input;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw badRequest("Invalid 'input': expected a non-empty string or a non-empty array of strings.", 'input', 'invalid_value');
  }
  if (inputs.length > MAX_INPUTS) throw badRequest(`Invalid 'input': at most ${MAX_INPUTS} inputs per request.`, 'input', 'invalid_value');
  for (const [i, s] of inputs.entries()) {
    if (typeof s !== 'string') {
      // Token ids come from the caller's tokenizer, which is not the local model's.
      throw badRequest(`Invalid 'input[${i}]': local models take text; token-id inputs are not supported.`, 'input', 'unsupported_parameter');
    }
    if (s === '') throw badRequest(`Invalid 'input[${i}]': empty string.`, 'input', 'invalid_value');
  }
  if (encoding !== 'float' && encoding !== 'base64') {
    throw badRequest("Invalid 'encoding_format': expected 'float' or 'base64'.", 'encoding_format', 'invalid_value');
  }
  if (dimensions !== undefined && dimensions !== null && !Number.isInteger(dimensions)) {
    throw badRequest("Invalid 'dimensions': expected an integer.", 'dimensions', 'invalid_type');
  }
  return { inputs: inputs as string[], encoding, dimensions: (dimensions ?? undefined) as number | undefined };
}

function toBase64(vector: readonly number[]): string {
  const buf = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) buf.writeFloatLE(vector[i]!, i * 4);
  return buf.toString('base64');
}

export async function embed(m: LocalModel, req: LocalEmbeddingsRequest, signal: AbortSignal): Promise<EmbeddingsResult | undefined> {
  const size = m.model.embeddingVectorSize;
  if (req.dimensions !== undefined && req.dimensions !== size) {
    throw badRequest(`Invalid 'dimensions': local model '${m.alias.name}' produces ${size}-dimensional embeddings and cannot change that.`, 'dimensions', 'unsupported_parameter');
  }
  const ctx = await m.embeddings();
  // Check every input fits before spending time on any.
  const lengths = req.inputs.map((text) => ctx.calculateInputLength(text));
  lengths.forEach((n, i) => {
    if (n >= m.contextSize) {
      throw badRequest(
        `This model's maximum context length is ${m.contextSize} tokens, however you requested ${n} tokens in input[${i}]. Please reduce your input.`,
        'input',
        'context_length_exceeded',
      );
    }
  });
  const data: EmbeddingItem[] = [];
  for (const [index, text] of req.inputs.entries()) {
    if (signal.aborted) return undefined;
    const { vector } = await ctx.getEmbeddingFor(text);
    data.push({ object: 'embedding', index, embedding: req.encoding === 'base64' ? toBase64(vector) : [...vector] });
  }
  const tokens = lengths.reduce((a, b) => a + b, 0);
  return { data, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
