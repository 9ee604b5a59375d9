// `gemini`: Google's Gemini API. The key travels as `x-goog-api-key`.
import type { AnswerReader, Provider } from '../provider.js';
import { openaiProbe } from '../openai/probe.js';

const NOTHING_READ: AnswerReader = {
  eventMarker: Buffer.from('"usageMetadata"'),
  wantsEvent: () => false,
  readEvent: () => undefined,
  jsonHead: [],
  jsonTail: [],
  readJson: () => undefined,
  readUsage: () => ({ usage: undefined, malformed: false }),
};

export const gemini: Provider = {
  format: 'gemini',
  label: 'Google - Gemini',
  endpoints: ['gemini'],
  upstreamHeaders: (key) => (key ? ['x-goog-api-key', key] : []),
  reader: () => NOTHING_READ,
  probe: openaiProbe((key) => ({ 'x-goog-api-key': key })),
};
