// One chat generation on a loaded local model: render the prompt with the model's chat template,
// check it fits the context, generate with the request's sampling settings, and report the
// text, why it ended and the token usage in OpenAI's terms.
import { badRequest } from '../../errors/catalogue.js';
import type { LocalChatRequest } from './chat-request.js';
import type { LocalModel } from './engine.js';
import type { GenerateOptions } from './llama-api.js';
import { LOCAL_SAMPLING_DEFAULTS } from './sampling-params.js';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ChatResult {
  text: string;
  finishReason: 'stop' | 'length';
  /** The client went away and generation was stopped; nothing more should be written. */
  aborted: boolean;
  usage: Usage;
}

export interface ChatHooks {
  /** Called once the prompt is known to fit, before the first token. */
  onStart?: (promptTokens: number) => void;
  onText?: (text: string) => void;
}

export const usageOf = (prompt: number, completion: number): Usage => ({
  prompt_tokens: prompt,
  completion_tokens: completion,
  total_tokens: prompt + completion,
});

export async function generateChat(m: LocalModel, req: LocalChatRequest, signal: AbortSignal, hooks: ChatHooks = {}): Promise<ChatResult> {
  const chat = await m.chat();
  const promptTokens = chat.chatWrapper.generateContextState({ chatHistory: req.history }).contextText.tokenize(m.model.tokenizer).length;
  if (promptTokens >= m.contextSize) {
    throw badRequest(
      `This model's maximum context length is ${m.contextSize} tokens. However, your messages resulted in ${promptTokens} tokens. Please reduce the length of the messages.`,
      'messages',
      'context_length_exceeded',
    );
  }
  const p = { ...LOCAL_SAMPLING_DEFAULTS, ...req.params };
  const repeatPenalty: GenerateOptions['repeatPenalty'] =
    p.frequency_penalty || p.presence_penalty
      ? { penalty: 1, frequencyPenalty: p.frequency_penalty ?? 0, presencePenalty: p.presence_penalty ?? 0 }
      : false;
  hooks.onStart?.(promptTokens);

  const meter = chat.sequence.tokenMeter;
  const outputBefore = meter.usedOutputTokens;
  let text = '';
  let aborted = false;
  let finishReason: ChatResult['finishReason'] = 'stop';
  try {
    const res = await chat.generateResponse(req.history, {
      signal,
      stopOnAbortSignal: true,
      // Without a limit, generate to the end of the context window (as OpenAI does).
      maxTokens: p.max_tokens ?? m.contextSize - promptTokens,
      temperature: p.temperature,
      topP: p.top_p,
      topK: p.top_k,
      minP: p.min_p,
      ...(p.seed !== undefined ? { seed: p.seed } : {}),
      ...(p.stop ? { customStopTriggers: p.stop } : {}),
      repeatPenalty,
      onTextChunk: (chunk) => {
        text += chunk;
        hooks.onText?.(chunk);
      },
    });
    aborted = res.metadata.stopReason === 'abort' || signal.aborted;
    finishReason = res.metadata.stopReason === 'maxTokens' ? 'length' : 'stop';
  } catch (err) {
    // Aborted before the first token: node-llama-cpp throws the signal's reason.
    if (!signal.aborted) throw err;
    aborted = true;
  }
  const completionTokens = meter.usedOutputTokens - outputBefore;
  m.recordGeneration({ aborted, completionTokens });
  return { text, finishReason, aborted, usage: usageOf(promptTokens, completionTokens) };
}
