// Anthropic's usage object as the gateway's Usage.
//
// Anthropic reports `input_tokens` WITHOUT the prompt tokens written to or read from its cache
// (`cache_creation_input_tokens`, `cache_read_input_tokens`); OpenAI's `input_tokens` includes
// its cached tokens, and the gateway's Usage follows OpenAI (cachedTokens is a part of
// inputTokens, total = input + output). So inputTokens is the sum of the three: every prompt
// token the call processed. cachedTokens is the cache reads (what OpenAI calls cached); cache
// writes are billed as input and stay only in the sum.
import { counter, NO_USAGE, type UsageReading } from '../usage-counts.js';

export function readAnthropicUsage(u: unknown): UsageReading {
  if (!u || typeof u !== 'object') return NO_USAGE;
  const o = u as Record<string, unknown>;
  if (!('input_tokens' in o) && !('output_tokens' in o)) return NO_USAGE;
  const c = counter();
  const input = c.count(o.input_tokens);
  const written = c.count(o.cache_creation_input_tokens);
  const read = c.count(o.cache_read_input_tokens);
  const inputTokens = input === null && written === null && read === null ? null : (input ?? 0) + (written ?? 0) + (read ?? 0);
  const usage = { inputTokens, outputTokens: c.count(o.output_tokens), reasoningTokens: null, cachedTokens: read };
  return { usage, malformed: c.malformed };
}
