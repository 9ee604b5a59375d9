// The gateway declares the slice of node-llama-cpp it uses (src/providers/local/llama-api.ts) so it builds
// without the optional package. This keeps that declaration honest: `npm test` type-checks it
// against the real package, and the runtime exports it relies on must exist.
import type * as Real from 'node-llama-cpp';
import { describe, expect, it } from 'vitest';
import type * as Slice from '../../../src/providers/local/llama-api.js';

// Compile-time checks (a mismatch fails `tsc`): what the package returns fits the slice, and
// what the gateway passes in fits the package.
type Fits<From extends To, To> = [From, To];
export type Checks = [
  Fits<typeof Real.getLlama, Slice.LlamaModule['getLlama']>,
  Fits<Real.Llama, Slice.Llama>,
  Fits<Real.LlamaModel, Slice.LlamaModel>,
  Fits<Real.LlamaContext, Slice.LlamaContext>,
  Fits<Real.LlamaContextSequence, Slice.LlamaContextSequence>,
  Fits<Real.LlamaChat, Slice.LlamaChat>,
  Fits<Real.LlamaEmbeddingContext, Slice.LlamaEmbeddingContext>,
  Fits<{ contextSequence: Real.LlamaContextSequence }, ConstructorParameters<typeof Real.LlamaChat>[0]>,
  Fits<Slice.ChatHistoryItem, Real.ChatHistoryItem>,
  Fits<Slice.GenerateOptions, NonNullable<Parameters<Real.LlamaChat['generateResponse']>[1]>>,
];

describe('node-llama-cpp API slice', () => {
  it('exports what the gateway calls', async () => {
    const lib = await import('node-llama-cpp');
    expect(typeof lib.getLlama).toBe('function');
    expect(typeof lib.LlamaChat).toBe('function');
  });
});
