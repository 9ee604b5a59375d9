// `gemini`: Google's Gemini API. The key travels as `x-goog-api-key`; the model is in the path
// (/models/<model>:<method>), so the surface names each target's path.
import type { Provider } from '../provider.js';
import { geminiAnswers } from './answers.js';
import { geminiProbe } from './probe.js';

export const gemini: Provider = {
  format: 'gemini',
  label: 'Google - Gemini',
  endpoints: ['gemini'],
  upstreamHeaders: (key) => (key ? ['x-goog-api-key', key] : []),
  reader: () => geminiAnswers,
  probe: geminiProbe(),
};
