// `anthropic`: the Messages API. The key travels as `x-api-key`; the client's own
// `anthropic-version` passes through, and 2023-06-01 is sent only when it sent none.
import type { Provider } from '../provider.js';
import { messagesAnswers } from './answers.js';
import { ANTHROPIC_VERSION, anthropicProbe } from './probe.js';

export const anthropic: Provider = {
  format: 'anthropic',
  label: 'Anthropic - Messages',
  endpoints: ['messages'],
  upstreamHeaders: (key) => (key ? ['x-api-key', key] : []),
  defaultHeaders: ['anthropic-version', ANTHROPIC_VERSION],
  // A stream's usage comes in two events, so each answer gets its own reader.
  reader: () => messagesAnswers(),
  probe: anthropicProbe(),
};
