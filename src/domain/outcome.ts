// How a request ended, as the access log, metrics and the request log name it.

export type Outcome =
  /** The gateway answered itself (management, /v1/models) with a success... */
  | 'served'
  /** ...or with an error (auth, validation, routing). */
  | 'rejected'
  /** The upstream's (or local model's) answer reached the client whole. */
  | 'completed'
  | 'client_closed'
  /** No upstream answer: connect error, timeout, reset before the head. */
  | 'upstream_failed'
  /** The upstream cut its answer after the head went out. */
  | 'upstream_broke'
  /** Local inference failed. */
  | 'failed';
