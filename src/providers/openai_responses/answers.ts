// Responses API answers: a created Response's id (first field of the body, or of the
// `response.created` event) and its status and usage (last in the body, or in the terminal
// `response.completed` / `failed` / `incomplete` event).
import { bytesAt } from '../../upstream/sse.js';
import type { AnswerReader } from '../provider.js';
import { readOpenAiUsage } from '../openai/usage.js';

const RESPONSE_TYPE = Buffer.from('"type":"response.');
/** What follows RESPONSE_TYPE in the events that end a stream. */
const TERMINAL = ['completed', 'failed', 'incomplete'].map((t) => Buffer.from(`${t}"`));

export const responsesAnswers: AnswerReader = {
  eventMarker: RESPONSE_TYPE,
  // Until the id is known every event is read (the first is `response.created`); after it,
  // only the terminal event, found by its type without parsing the deltas between.
  wantsEvent(marker, buf, start, end, observed) {
    if (!observed.responseId) return true;
    for (let at = marker.find(buf, start, end); at >= 0; at = marker.find(buf, at + 1, end)) {
      const after = at + RESPONSE_TYPE.length;
      for (const type of TERMINAL) if (bytesAt(buf, after, end, type)) return true;
    }
    return false;
  },
  readEvent(data, sink) {
    const response = (data as { response?: unknown } | null)?.response as Record<string, unknown> | undefined;
    if (!response || typeof response !== 'object') return;
    sink.responseId(response.id);
    sink.status(response.status);
    sink.usage(response.usage);
  },
  jsonHead: ['id', 'status'],
  jsonTail: ['usage'],
  readJson(field, sink) {
    sink.responseId(field('id'));
    sink.status(field('status'));
    sink.usage(field('usage'));
  },
  readUsage: readOpenAiUsage,
  createdId: {
    jsonKey: 'id',
    inUnfinishedEvent: /"response"\s*:\s*\{\s*"id"\s*:\s*"([A-Za-z0-9_-]{1,256})"/,
  },
};
