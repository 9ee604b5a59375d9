// Token usage in OpenAI's two shapes: Responses (`input_tokens`, `output_tokens`) and Chat
// Completions / Embeddings (`prompt_tokens`, `completion_tokens`). Either shape is taken on any
// endpoint: compatible upstreams do not always use the one their endpoint documents.
import { counter, NO_USAGE, type UsageReading } from '../usage-counts.js';

export function readOpenAiUsage(u: unknown): UsageReading {
  if (!u || typeof u !== 'object') return NO_USAGE;
  const o = u as Record<string, any>;
  const c = counter();
  if ('input_tokens' in o || 'output_tokens' in o) {
    const usage = {
      inputTokens: c.count(o.input_tokens),
      outputTokens: c.count(o.output_tokens),
      reasoningTokens: c.count(o.output_tokens_details?.reasoning_tokens),
      cachedTokens: c.count(o.input_tokens_details?.cached_tokens),
    };
    return { usage, malformed: c.malformed };
  }
  if (!('prompt_tokens' in o)) return NO_USAGE;
  const output = c.count(o.completion_tokens);
  const usage = {
    inputTokens: c.count(o.prompt_tokens),
    // Embeddings report no completion_tokens: none were produced.
    outputTokens: output ?? (o.completion_tokens === undefined && o.total_tokens !== undefined ? 0 : null),
    reasoningTokens: c.count(o.completion_tokens_details?.reasoning_tokens),
    cachedTokens: c.count(o.prompt_tokens_details?.cached_tokens),
  };
  return { usage, malformed: c.malformed };
}
