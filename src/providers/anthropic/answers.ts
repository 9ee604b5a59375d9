// Messages answers: usage in a JSON body's `usage`; in a stream, the input side in
// `message_start.message.usage` and the output count (cumulative) in each `message_delta.usage`.
// One reader per answer: a stream's usage is the start's, updated by every delta, and handed
// on whole each time, so the last one seen is the call's usage (counted once).
import type { AnswerReader } from '../provider.js';
import { readAnthropicUsage } from './usage.js';

const USAGE_FIELD = Buffer.from('"usage"');

type Counts = Record<string, unknown>;

/** Fields of a delta's usage that are set (a delta may repeat the input side, or send nulls). */
function setFields(usage: Counts): Counts {
  const out: Counts = {};
  for (const [key, value] of Object.entries(usage)) if (value !== null && value !== undefined) out[key] = value;
  return out;
}

export function messagesAnswers(): AnswerReader {
  let sofar: Counts | undefined;
  return {
    eventMarker: USAGE_FIELD,
    wantsEvent: (marker, buf, start, end) => marker.find(buf, start, end) >= 0,
    readEvent(data, sink) {
      const event = data as { type?: unknown; message?: { usage?: unknown }; usage?: unknown } | null;
      if (!event || typeof event !== 'object') return;
      const usage = event.type === 'message_start' ? event.message?.usage : event.type === 'message_delta' ? event.usage : undefined;
      if (!usage || typeof usage !== 'object') return;
      sofar = event.type === 'message_start' ? { ...(usage as Counts) } : { ...sofar, ...setFields(usage as Counts) };
      sink.usage(sofar);
    },
    jsonHead: [],
    jsonTail: ['usage'],
    readJson(field, sink) {
      sink.usage(field('usage'));
    },
    readUsage: readAnthropicUsage,
  };
}
