// What the gateway learns from an answer as it passes: token usage, a created response's id
// and status. Providers read it; the pipeline records it.

export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
  reasoningTokens: number | null;
  cachedTokens: number | null;
}

export interface Observation {
  /** HTTP status of the answer, once its head arrived. */
  httpStatus?: number;
  stream: boolean;
  responseId?: string;
  /** The Response object's status (`completed`, `in_progress`, ...). */
  status?: string;
  usage?: Usage;
  /** Set when the upstream's usage carried a count that is not a non-negative integer. */
  malformedUsage?: boolean;
  /** Set when the body is encoded in a way the gateway cannot undo (or does not inflate): nothing was read. */
  unreadable?: string;
}
