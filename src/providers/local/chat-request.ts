// Reads a Chat Completions request for a local alias: the messages become node-llama-cpp chat
// history, the sampling parameters are checked and merged over the alias's defaults. What a
// local model cannot do (tools, images, n > 1, logprobs, structured output) is a clear 400
// rather than silently ignored.
import { badRequest } from '../../errors/catalogue.js';
import type { ChatHistoryItem } from './llama-api.js';
import { checkSamplingValue, type SamplingParams } from './sampling-params.js';

export interface LocalChatRequest {
  history: ChatHistoryItem[];
  stream: boolean;
  includeUsage: boolean;
  params: SamplingParams;
}

type Body = Record<string, unknown>;

const unsupported = (param: string, what: string) =>
  badRequest(`${what} is not supported by local models; use an API model for it.`, param, 'unsupported_parameter');

function textOf(content: unknown, i: number): string {
  const param = `messages[${i}].content`;
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (!Array.isArray(content)) throw badRequest(`Invalid '${param}': expected a string or an array of content parts.`, param, 'invalid_type');
  let text = '';
  for (const part of content as unknown[]) {
    const p = part as { type?: unknown; text?: unknown } | null;
    if (p?.type !== 'text') throw unsupported(param, `Content of type '${String(p?.type)}'`);
    if (typeof p.text !== 'string') throw badRequest(`Invalid '${param}': a text part needs a 'text' string.`, param, 'invalid_type');
    text += p.text;
  }
  return text;
}

function toHistory(messages: unknown): ChatHistoryItem[] {
  if (messages === undefined) throw badRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (!Array.isArray(messages)) throw badRequest("Invalid 'messages': expected an array of messages.", 'messages', 'invalid_type');
  if (messages.length === 0) throw badRequest("Invalid 'messages': empty array. Expected an array with minimum length 1.", 'messages', 'empty_array');
  const history: ChatHistoryItem[] = [];
  messages.forEach((raw: unknown, i) => {
    const m = raw as { role?: unknown; content?: unknown; tool_calls?: unknown } | null;
    if (m === null || typeof m !== 'object') throw badRequest(`Invalid 'messages[${i}]': expected an object.`, `messages[${i}]`, 'invalid_type');
    switch (m.role) {
      case 'system':
      case 'developer':
        history.push({ type: 'system', text: textOf(m.content, i) });
        break;
      case 'user':
        history.push({ type: 'user', text: textOf(m.content, i) });
        break;
      case 'assistant':
        if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) throw unsupported(`messages[${i}].tool_calls`, 'Tool calling');
        history.push({ type: 'model', response: [textOf(m.content, i)] });
        break;
      case 'tool':
      case 'function':
        throw unsupported(`messages[${i}].role`, 'Tool calling');
      default:
        throw badRequest(
          `Invalid 'messages[${i}].role': expected one of 'system', 'developer', 'user', 'assistant', got ${JSON.stringify(m.role)}.`,
          `messages[${i}].role`,
          'invalid_value',
        );
    }
  });
  // The model's turn to answer.
  history.push({ type: 'model', response: [] });
  return history;
}

function sampling(body: Body, defaults: SamplingParams): SamplingParams {
  const out: SamplingParams = { ...defaults };
  const set = <K extends keyof SamplingParams>(key: K, value: unknown, label: string) => {
    const v = checkSamplingValue(key, value, label, label);
    if (v !== undefined) out[key] = v as SamplingParams[K];
  };
  set('temperature', body.temperature, 'temperature');
  set('top_p', body.top_p, 'top_p');
  set('top_k', body.top_k, 'top_k');
  set('min_p', body.min_p, 'min_p');
  set('seed', body.seed, 'seed');
  set('stop', body.stop, 'stop');
  set('frequency_penalty', body.frequency_penalty, 'frequency_penalty');
  set('presence_penalty', body.presence_penalty, 'presence_penalty');
  set('max_tokens', body.max_tokens, 'max_tokens');
  // The newer name wins when both are sent.
  set('max_tokens', body.max_completion_tokens, 'max_completion_tokens');
  return out;
}

export function parseChatRequest(body: Body, defaults: SamplingParams): LocalChatRequest {
  if (body.n !== undefined && body.n !== null && body.n !== 1) throw unsupported('n', 'Generating more than one choice (n > 1)');
  if (Array.isArray(body.tools) && body.tools.length > 0) throw unsupported('tools', 'Tool calling');
  if (Array.isArray(body.functions) && body.functions.length > 0) throw unsupported('functions', 'Function calling');
  if (body.logprobs === true) throw unsupported('logprobs', 'logprobs');
  const format = (body.response_format as { type?: unknown } | null | undefined)?.type;
  if (format !== undefined && format !== 'text') throw unsupported('response_format', `response_format '${String(format)}'`);
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw badRequest("Invalid 'stream': expected a boolean.", 'stream', 'invalid_type');
  }
  const stream = body.stream === true;
  const options = body.stream_options as { include_usage?: unknown } | null | undefined;
  if (options !== undefined && options !== null && !stream) {
    throw badRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options', 'invalid_value');
  }
  return { history: toHistory(body.messages), stream, includeUsage: options?.include_usage === true, params: sampling(body, defaults) };
}
