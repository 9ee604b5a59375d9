// The bridge's connection-local state. Over OpenAI's WebSocket mode a client sends only new
// input items plus `previous_response_id`, and the server keeps the latest response in the
// connection's memory (so it works with `store: false`). An upstream without WebSocket mode
// gets one complete HTTP request per turn instead: the previous response's input and output
// items, then the new ones.
import { randomBytes } from 'node:crypto';

export interface LastResponse {
  readonly id: string;
  /** Every input item of that response (its own and those it continued). */
  readonly input: readonly unknown[];
  readonly output: readonly unknown[];
}

/** A `response.create` frame's fields as a create request for the upstream. */
export type CreateRequest = Record<string, unknown>;

/** `input` as a list of items: a string is one user message. */
export function inputItems(input: unknown): unknown[] {
  if (input === undefined || input === null) return [];
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  return Array.isArray(input) ? input : [input];
}

/**
 * The HTTP body for one turn: the frame's fields without `type` (and `generate`), streamed, the
 * model the upstream knows, and, when it continues the response this socket holds, the full
 * input instead of `previous_response_id`. Returns the body and the full input it carries.
 */
export function bridgeRequest(frame: CreateRequest, upstreamModel: string, last: LastResponse | undefined): { body: Buffer; input: unknown[] } {
  const { type: _type, generate: _generate, ...fields } = frame;
  const request: CreateRequest = { ...fields, model: upstreamModel, stream: true };
  let input = inputItems(fields.input);
  if (last && fields.previous_response_id === last.id) {
    input = [...last.input, ...last.output, ...input];
    delete request.previous_response_id;
  }
  request.input = input;
  return { body: Buffer.from(JSON.stringify(request)), input };
}

/** The frames a warm-up (`generate: false`) gets: a response with no output, ready to continue. */
export function warmUpFrames(frame: CreateRequest, model: string): { id: string; frames: string[] } {
  const id = `resp_${randomBytes(24).toString('hex')}`;
  const base = {
    id,
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    model,
    output: [],
    instructions: frame.instructions ?? null,
    previous_response_id: frame.previous_response_id ?? null,
    store: frame.store ?? true,
    usage: null,
    error: null,
    incomplete_details: null,
  };
  return {
    id,
    frames: [
      JSON.stringify({ type: 'response.created', sequence_number: 0, response: { ...base, status: 'in_progress' } }),
      JSON.stringify({ type: 'response.completed', sequence_number: 1, response: { ...base, status: 'completed' } }),
    ],
  };
}
