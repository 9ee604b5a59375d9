// Connection probes: how the admin checks (models/upstream-check.ts) talk to an upstream of
// each api_format. A probe only builds requests and reads answers; sending them, deadlines
// and keeping keys out of messages are the checker's job.

/** The headers that carry an upstream key (the format's auth scheme). */
export type AuthHeaders = (apiKey: string) => Record<string, string>;

export interface ProbeRequest {
  method: 'GET' | 'POST';
  /** Appended to the API model's base URL. */
  path: string;
  /** The key's headers (none without a key) and the body's content type. */
  headers: Record<string, string>;
  /** JSON text, or none. */
  body?: string;
  /** The request in a few words for messages, e.g. `GET /models`. */
  what: string;
}

export interface ProviderProbe {
  /** The request that lists the upstream's models. */
  listModels(apiKey: string | null): ProbeRequest;
  /** The model ids in the listing's answer, sorted and unique; undefined when it is no list. */
  readModels(text: string): string[] | undefined;
  /** Tests a connection: a one-line prompt to `model`, or without one the model listing. */
  testConnection(apiKey: string | null, model?: string): ProbeRequest;
  /** The upstream's own error message in an answer (`HTTP <status>` when the body has none). */
  readError(status: number, text: string): string;
}

export const bearerAuth: AuthHeaders = (apiKey) => ({ authorization: `Bearer ${apiKey}` });
