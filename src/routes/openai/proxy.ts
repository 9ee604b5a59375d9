// Hands a validated request to the upstream layer and records what happened for the log.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { LiveApiModel } from '../../models/registry.js';
import type { Gateway } from '../../server/gateway.js';
import { forward, type ForwardOutcome, type ResponseTap } from '../../upstream/forward.js';

export interface ProxyCall {
  apiModel: LiveApiModel;
  /** The model the client named, for the log. */
  model?: string | undefined;
  path: string;
  query: string;
  body: Buffer | null;
  tap?: ResponseTap | undefined;
}

export async function proxy(gw: Gateway, request: FastifyRequest, reply: FastifyReply, call: ProxyCall): Promise<ForwardOutcome> {
  // From here on the response is written by the forwarder, byte for byte.
  reply.hijack();
  request.proxy = { model: call.model, apiModel: call.apiModel.name };
  const outcome = await forward(gw.dispatcher, {
    apiModel: call.apiModel,
    method: request.method,
    path: call.path,
    query: call.query,
    body: call.body,
    req: request.raw,
    res: reply.raw,
    tap: call.tap,
  });
  request.proxy.outcome = outcome.kind;
  switch (outcome.kind) {
    case 'completed':
      break;
    case 'client_closed':
      request.log.info({ apiModel: call.apiModel.name, status: outcome.status }, 'client closed the connection; upstream request aborted');
      break;
    case 'upstream_failed_before_headers':
      request.log.warn({ apiModel: call.apiModel.name, err: outcome.cause, status: outcome.error.status }, 'upstream request failed');
      break;
    case 'upstream_broke_mid_body':
      request.log.warn({ apiModel: call.apiModel.name, err: outcome.cause, status: outcome.status }, 'upstream connection broke mid-body; client connection cut');
      break;
  }
  return outcome;
}
