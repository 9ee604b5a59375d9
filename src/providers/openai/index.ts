// `openai`: Chat Completions and Embeddings. The key travels as a Bearer token; an API model
// may pin the OpenAI organization and project its calls are billed to.
import type { Provider, ProviderSettings } from '../provider.js';
import { bearerAuth } from '../probes.js';
import { chatAnswers } from './answers.js';
import { openaiProbe } from './probe.js';

/** Bearer key plus the API model's OpenAI-Organization / OpenAI-Project, flat [name, value, ...]. */
export function openaiHeaders(key: string | null, m: ProviderSettings): string[] {
  const out: string[] = [];
  if (key) out.push('authorization', `Bearer ${key}`);
  if (m.openaiOrganization) out.push('OpenAI-Organization', m.openaiOrganization);
  if (m.openaiProject) out.push('OpenAI-Project', m.openaiProject);
  return out;
}

export const openai: Provider = {
  format: 'openai',
  label: 'OpenAI - Completions',
  endpoints: ['chat', 'embeddings'],
  upstreamHeaders: openaiHeaders,
  reader: () => chatAnswers,
  probe: openaiProbe(bearerAuth),
};
