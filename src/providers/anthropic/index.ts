// `anthropic`: the Messages API. The key travels as `x-api-key`; the client's own
// `anthropic-version` passes through, and 2023-06-01 is sent only when it sent none.
import type { AnswerReader, Provider } from '../provider.js';
import { openaiProbe } from '../openai/probe.js';

const NOTHING_READ: AnswerReader = {
  eventMarker: Buffer.from('"usage"'),
  wantsEvent: () => false,
  readEvent: () => undefined,
  jsonHead: [],
  jsonTail: [],
  readJson: () => undefined,
  readUsage: () => ({ usage: undefined, malformed: false }),
};

export const anthropic: Provider = {
  format: 'anthropic',
  label: 'Anthropic - Messages',
  endpoints: ['messages'],
  upstreamHeaders: (key) => (key ? ['x-api-key', key] : []),
  defaultHeaders: ['anthropic-version', '2023-06-01'],
  reader: () => NOTHING_READ,
  probe: openaiProbe((key) => ({ 'x-api-key': key, 'anthropic-version': '2023-06-01' })),
};
