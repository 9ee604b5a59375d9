// Token usage as Gemini reports it (`usageMetadata`). Its counts do not overlap:
// totalTokenCount = promptTokenCount + toolUsePromptTokenCount + candidatesTokenCount +
// thoughtsTokenCount. The gateway's counts follow OpenAI's convention instead, where reasoning
// and cached tokens are parts of output and input: so output is candidates + thoughts (Google
// bills thinking as output), input is prompt + tool-use prompt (both billed as input), reasoning
// is thoughts, and cached is cachedContentTokenCount (already part of promptTokenCount).
import { counter, NO_USAGE, type UsageReading } from '../usage-counts.js';

const sum = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : a + b);

export function readGeminiUsage(u: unknown): UsageReading {
  if (!u || typeof u !== 'object' || Array.isArray(u)) return NO_USAGE;
  const o = u as Record<string, unknown>;
  const c = counter();
  const prompt = c.count(o.promptTokenCount);
  const toolPrompt = c.count(o.toolUsePromptTokenCount);
  const candidates = c.count(o.candidatesTokenCount);
  const thoughts = c.count(o.thoughtsTokenCount);
  const cached = c.count(o.cachedContentTokenCount);
  if (prompt === null && candidates === null && thoughts === null && !c.malformed) return NO_USAGE;
  // A prompt that produced nothing yet (or an embedding) has no candidates count: none were produced.
  const output = sum(candidates, thoughts) ?? (prompt !== null ? 0 : null);
  const usage = { inputTokens: sum(prompt, toolPrompt), outputTokens: output, reasoningTokens: thoughts, cachedTokens: cached };
  return { usage, malformed: c.malformed };
}
