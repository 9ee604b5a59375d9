// The vocabulary every layer shares: which upstream API formats exist and which endpoint
// families clients call. What each format means lives in its provider folder.

export const API_FORMATS = ['openai', 'openai_responses'] as const;
export type ApiFormat = (typeof API_FORMATS)[number];
export const isApiFormat = (s: unknown): s is ApiFormat => typeof s === 'string' && (API_FORMATS as readonly string[]).includes(s);

/** The /v1 endpoint families a model is named in. */
export type Endpoint = 'responses' | 'chat' | 'embeddings';
