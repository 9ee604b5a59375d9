// Chat Completions and Embeddings answers: usage in `prompt_tokens` form, last in a JSON body,
// and in a stream only in the final chunk a client asked for with `include_usage`.
import type { AnswerReader } from '../provider.js';
import { counter, NO_USAGE, type UsageReading } from '../usage-counts.js';

export function readChatUsage(u: unknown): UsageReading {
  if (!u || typeof u !== 'object' || !('prompt_tokens' in u)) return NO_USAGE;
  const o = u as Record<string, any>;
  const c = counter();
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

const USAGE_FIELD = Buffer.from('"usage":{');

export const chatAnswers: AnswerReader = {
  eventMarker: USAGE_FIELD,
  wantsEvent: (marker, buf, start, end) => marker.find(buf, start, end) >= 0,
  readEvent(data, sink) {
    sink.usage((data as { usage?: unknown } | null)?.usage);
  },
  jsonHead: [],
  jsonTail: ['usage'],
  readJson(field, sink) {
    sink.usage(field('usage'));
  },
  readUsage: readChatUsage,
};
