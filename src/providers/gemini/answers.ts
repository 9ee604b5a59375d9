// Gemini answers: `usageMetadata` at the top level of a GenerateContentResponse. A JSON body has
// it near its end; a stream (SSE with `alt=sse`, or a JSON array without it) repeats it in its
// chunks with the counts so far, so the last one seen is the call's usage.
import type { AnswerReader } from '../provider.js';
import { readGeminiUsage } from './usage.js';

const USAGE_FIELD = Buffer.from('"usageMetadata"');

export const geminiAnswers: AnswerReader = {
  eventMarker: USAGE_FIELD,
  wantsEvent: (marker, buf, start, end) => marker.find(buf, start, end) >= 0,
  readEvent(data, sink) {
    if (data && typeof data === 'object' && !Array.isArray(data)) sink.usage((data as { usageMetadata?: unknown }).usageMetadata);
  },
  jsonHead: [],
  jsonTail: ['usageMetadata'],
  readJson(field, sink) {
    sink.usage(field('usageMetadata'));
  },
  readUsage: readGeminiUsage,
  jsonArrayEvents: true,
};
