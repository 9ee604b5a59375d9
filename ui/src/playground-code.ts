// The Playground's requests, built once from the form: what Send sends, and the same request as
// curl and as OpenAI SDK code (TypeScript, Python), with the token as the $BODHI_TOKEN env var.
import { FORMAT_OF_API, type CallableModel } from './api';

export type Api = keyof typeof FORMAT_OF_API | 'embeddings';
export type RunMode = 'stream' | 'background' | 'wait';

export interface Params {
  model: string;
  input: string;
  /** System prompt / instructions; undefined: none. */
  instructions: string | undefined;
  temperature: number | undefined;
  /** Max output tokens; undefined: the API's default (Anthropic Messages requires one: 1024). */
  maxTokens: number | undefined;
  mode: RunMode;
  chatStream: boolean;
}

export interface BuiltRequest {
  api: Api;
  /** Path under the gateway, query included. */
  path: string;
  body: Record<string, unknown>;
  /** The header the token goes in, when not `Authorization: Bearer`. */
  tokenHeader?: string;
  /** Other headers the API's own clients send. */
  headers?: Record<string, string>;
}

/** The token's placeholder in copied code: never the real token. */
export const TOKEN_ENV = 'BODHI_TOKEN';

/** The Anthropic Messages API requires max_tokens. */
export const MESSAGES_MAX_TOKENS = 1024;

/**
 * Whether a model is for embeddings, not chat. /bodhi/v1/models says no more than the format:
 * an `openai` format API model (and a local alias) serves both /v1/chat/completions and
 * /v1/embeddings. So: an `openai` format model or local alias whose model id, upstream model or
 * GGUF file name contains "embed" (text-embedding-3-small, nomic-embed-text, bge-…-embed.gguf).
 */
export function isEmbeddingModel(m: CallableModel): boolean {
  if (m.api_format !== FORMAT_OF_API.chat && m.kind !== 'local') return false;
  return [m.id, m.upstream_model, m.local_alias?.model_file].some((s) => typeof s === 'string' && /embed/i.test(s));
}

const defined = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));

export function buildRequest(api: Api, p: Params): BuiltRequest {
  const { model, input, instructions, temperature, maxTokens } = p;
  switch (api) {
    case 'responses':
      return {
        api,
        path: '/v1/responses',
        body: defined({ model, input, instructions, temperature, max_output_tokens: maxTokens, stream: p.mode === 'stream' ? true : undefined, background: p.mode === 'background' ? true : undefined }),
      };
    case 'chat':
      return {
        api,
        path: '/v1/chat/completions',
        body: defined({
          model,
          messages: [...(instructions ? [{ role: 'system', content: instructions }] : []), { role: 'user', content: input }],
          temperature,
          max_completion_tokens: maxTokens,
          stream: p.chatStream,
        }),
      };
    case 'messages':
      return {
        api,
        path: '/v1/messages',
        body: defined({ model, max_tokens: maxTokens ?? MESSAGES_MAX_TOKENS, system: instructions, temperature, messages: [{ role: 'user', content: input }], stream: true }),
        tokenHeader: 'x-api-key',
        headers: { 'anthropic-version': '2023-06-01' },
      };
    case 'gemini': {
      const generationConfig = defined({ temperature, maxOutputTokens: maxTokens });
      return {
        api,
        // The model is in the path; an id with a prefix such as "gem/" keeps its slash, as Google's SDK sends it.
        path: `/v1beta/models/${model.split('/').map(encodeURIComponent).join('/')}:streamGenerateContent?alt=sse`,
        body: defined({
          ...(instructions ? { systemInstruction: { parts: [{ text: instructions }] } } : {}),
          contents: [{ role: 'user', parts: [{ text: input }] }],
          ...(Object.keys(generationConfig).length ? { generationConfig } : {}),
        }),
        tokenHeader: 'x-goog-api-key',
      };
    }
    case 'embeddings':
      return { api, path: '/v1/embeddings', body: { model, input } };
  }
}

/** A shell single-quoted string. */
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** curl with the exact JSON body Send sends (compact, as fetch sends it). */
export function curlOf(req: BuiltRequest, origin: string): string {
  const auth = req.tokenHeader ? `${req.tokenHeader}: $${TOKEN_ENV}` : `Authorization: Bearer $${TOKEN_ENV}`;
  const streaming = req.body.stream === true || req.path.includes('alt=sse');
  return [
    `curl${streaming ? ' -N' : ''} ${shellQuote(origin + req.path)} \\`,
    `  -H "${auth}" \\`,
    ...Object.entries(req.headers ?? {}).map(([k, v]) => `  -H ${shellQuote(`${k}: ${v}`)} \\`),
    `  -H 'Content-Type: application/json' \\`,
    `  -d ${shellQuote(JSON.stringify(req.body))}`,
  ].join('\n');
}

/** Whether the OpenAI SDKs can send this request (the OpenAI APIs only). */
export const hasOpenAiSdk = (req: BuiltRequest) => req.api === 'responses' || req.api === 'chat' || req.api === 'embeddings';

const SDK_METHOD: Partial<Record<Api, string>> = { responses: 'responses.create', chat: 'chat.completions.create', embeddings: 'embeddings.create' };

/** The `openai` npm package; the request object is the exact JSON Send sends. */
export function typescriptOf(req: BuiltRequest, origin: string): string {
  const stream = req.body.stream === true;
  return [
    `import OpenAI from 'openai';`,
    ``,
    `const client = new OpenAI({ baseURL: '${origin}/v1', apiKey: process.env.${TOKEN_ENV} });`,
    ``,
    `const result = await client.${SDK_METHOD[req.api]}(`,
    JSON.stringify(req.body, null, 2),
    `);`,
    stream ? `for await (const event of result) console.log(event);` : `console.log(result);`,
  ].join('\n');
}

/** The `openai` Python package; the request is the exact JSON Send sends, read with json.loads. */
export function pythonOf(req: BuiltRequest, origin: string): string {
  const json = JSON.stringify(req.body, null, 2);
  const quote = json.includes("'''") ? '"""' : "'''";
  const stream = req.body.stream === true;
  return [
    `import json`,
    `import os`,
    ``,
    `from openai import OpenAI`,
    ``,
    `client = OpenAI(base_url="${origin}/v1", api_key=os.environ["${TOKEN_ENV}"])`,
    ``,
    `request = json.loads(r${quote}`,
    json,
    `${quote})`,
    `result = client.${SDK_METHOD[req.api]}(**request)`,
    stream ? `for event in result:\n    print(event)` : `print(result)`,
  ].join('\n');
}
