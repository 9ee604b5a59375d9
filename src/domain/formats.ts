// The vocabulary every layer shares: which upstream API formats exist and which endpoint
// families clients call. What each format means lives in its provider folder.

export const API_FORMATS = ['openai', 'openai_responses', 'anthropic', 'gemini'] as const;
export type ApiFormat = (typeof API_FORMATS)[number];
export const isApiFormat = (s: unknown): s is ApiFormat => typeof s === 'string' && (API_FORMATS as readonly string[]).includes(s);

/**
 * The endpoint families a model is named in: OpenAI's Responses, Chat Completions and
 * Embeddings (/v1), Anthropic's Messages (/v1/messages, /anthropic/v1), Gemini's (/v1beta).
 */
export type Endpoint = 'responses' | 'chat' | 'embeddings' | 'messages' | 'gemini';
