// `openai_responses`: the Responses API family. Same credentials as `openai`.
import { openaiHeaders } from '../openai/index.js';
import type { Provider } from '../provider.js';
import { bearerAuth } from '../probes.js';
import { responsesAnswers } from './answers.js';
import { openaiResponsesProbe } from './probe.js';

export const openaiResponses: Provider = {
  format: 'openai_responses',
  label: 'OpenAI - Responses',
  endpoints: ['responses'],
  upstreamHeaders: openaiHeaders,
  reader: () => responsesAnswers,
  probe: openaiResponsesProbe(bearerAuth),
};
