// Chat Completions and Embeddings answers: usage last in a JSON body, and in a stream only in
// the final chunk a client asked for with `include_usage`.
import type { AnswerReader } from '../provider.js';
import { readOpenAiUsage } from './usage.js';

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
  readUsage: readOpenAiUsage,
};
