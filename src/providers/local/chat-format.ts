// The exact Chat Completions shapes for local generations: the JSON `chat.completion` object and
// the SSE stream of `chat.completion.chunk` objects (role first, content deltas, a final chunk
// with `finish_reason`, an optional usage chunk with `choices: []`, then `data: [DONE]`).
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { ChatResult, Usage } from './chat-completion.js';

export interface CompletionMeta {
  id: string;
  created: number;
  /** The model id as the client sent it. */
  model: string;
}

export const newCompletionMeta = (model: string): CompletionMeta => ({
  id: `chatcmpl-${randomUUID().replaceAll('-', '')}`,
  created: Math.floor(Date.now() / 1000),
  model,
});

export function completionBody(meta: CompletionMeta, result: ChatResult) {
  return {
    id: meta.id,
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: result.text, refusal: null },
        logprobs: null,
        finish_reason: result.finishReason,
      },
    ],
    usage: result.usage,
    system_fingerprint: null,
  };
}

export function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Writes one streamed completion. Chunks go out as they are generated, one SSE event each. */
export class ChatStream {
  constructor(
    private readonly res: ServerResponse,
    private readonly meta: CompletionMeta,
    private readonly includeUsage: boolean,
  ) {}

  private chunk(choices: unknown[], usage?: Usage): void {
    const body: Record<string, unknown> = {
      id: this.meta.id,
      object: 'chat.completion.chunk',
      created: this.meta.created,
      model: this.meta.model,
      system_fingerprint: null,
      choices,
    };
    // With include_usage, every chunk carries `usage` (null until the last one), as OpenAI sends it.
    if (this.includeUsage) body.usage = usage ?? null;
    this.res.write(`data: ${JSON.stringify(body)}\n\n`);
  }

  start(): void {
    this.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    });
    this.chunk([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  }

  delta(text: string): void {
    if (text) this.chunk([{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]);
  }

  finish(finishReason: ChatResult['finishReason'], usage: Usage): void {
    this.chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: finishReason }]);
    if (this.includeUsage) this.chunk([], usage);
    this.res.end('data: [DONE]\n\n');
  }

  /**
   * An error after the stream started: an `error` event (the SDK raises it), then the end. The
   * surface renders the event (surfaces/openai/errors.ts errorEvent): a provider speaks no envelope.
   */
  endWithError(event: string): void {
    this.res.end(event);
  }
}
