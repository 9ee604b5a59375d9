// /v1/chat/completions and /v1/embeddings for local aliases: validate, then hand the work to the
// local engine (queued per model) and write OpenAI's shapes. A client that disconnects aborts
// its generation, or its place in the queue.
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError, internalError } from '../../errors/catalogue.js';
import { errorEvent, writeError } from './errors.js';
import { generateChat } from '../../providers/local/chat-completion.js';
import { ChatStream, completionBody, newCompletionMeta, writeJson } from '../../providers/local/chat-format.js';
import { parseChatRequest } from '../../providers/local/chat-request.js';
import { embed, parseEmbeddingsRequest } from '../../providers/local/embeddings.js';
import type { SamplingParams } from '../../providers/local/sampling-params.js';
import { readOpenAiUsage } from '../../providers/openai/usage.js';
import type { ResolvedLocal } from '../../state/registry.js';
import type { Outcome } from '../../domain/outcome.js';
import type { Usage } from '../../domain/usage.js';
import type { RequestContext } from '../../pipeline/record.js';
import { clientSignal } from '../../upstream/client-closed.js';
import { requestContext } from '../http-client.js';
import type { OpenAiSurfaceDeps } from './deps.js';

import type { RequestError } from '../../store/types.js';

type Body = Record<string, unknown>;

/** The whole body, parsed: a local model needs all of it (it was checked to be JSON on arrival). */
const fullBody = (raw: Buffer | undefined): unknown => (raw?.length ? JSON.parse(raw.toString('utf8')) : undefined);

/** Metrics, access log and request-log row for a local call, however it ended (499: client left). */
function record(gw: LocalDeps, ctx: RequestContext, res: ServerResponse, route: string, resolved: ResolvedLocal, outcome: Outcome, stream: boolean, usage: Usage | undefined, error?: RequestError): void {
  gw.recorder.record({
    ctx,
    route,
    status: outcome === 'client_closed' ? 499 : res.statusCode,
    model: resolved.alias,
    outcome,
    observed: { stream, usage },
    error,
  });
}

type LocalDeps = Pick<OpenAiSurfaceDeps, 'local' | 'recorder'>;

/** Answers with the error envelope (or ends a started stream with an error event). */
function fail(request: FastifyRequest, res: ServerResponse, err: unknown, stream?: ChatStream): void {
  const known = err instanceof GatewayError ? err : undefined;
  if (!known) request.log.error({ err }, 'local inference failed');
  const error = known ?? internalError();
  request.gatewayError = { code: error.code, message: error.message };
  if (stream) stream.endWithError(errorEvent(error));
  else if (!res.headersSent) writeError(res, error);
  else res.destroy();
}

export async function serveLocalChat(gw: LocalDeps, request: FastifyRequest, reply: FastifyReply, resolved: ResolvedLocal): Promise<void> {
  const req = parseChatRequest(fullBody(request.rawBody) as Body, resolved.local.requestParams as SamplingParams);
  const ctx = requestContext(request, reply);
  // From here on this handler records the call (however it ends), not the app's onResponse hook.
  request.recordsItself = true;
  reply.hijack();
  const res = reply.raw;
  const ended: { outcome?: Outcome } = {};
  const meta = newCompletionMeta(resolved.alias);
  const { signal, dispose } = clientSignal(res);
  let stream: ChatStream | undefined;
  let usage: Usage | undefined;
  try {
    const result = await gw.local.run(resolved.local, signal, (m) =>
      generateChat(
        m,
        req,
        signal,
        req.stream
          ? {
              onStart: () => {
                stream = new ChatStream(res, meta, req.includeUsage);
                stream.start();
              },
              onText: (text) => stream?.delta(text),
            }
          : {},
      ),
    );
    usage = readOpenAiUsage(result.usage).usage;
    if (result.aborted) {
      ended.outcome = 'client_closed';
      request.log.info({ model: resolved.alias, completionTokens: result.usage.completion_tokens }, 'client closed the connection; local generation stopped');
      return;
    }
    if (stream) stream.finish(result.finishReason, result.usage);
    else writeJson(res, 200, completionBody(meta, result));
    ended.outcome = 'completed';
  } catch (err) {
    if (signal.aborted) {
      ended.outcome = 'client_closed';
      request.log.info({ model: resolved.alias }, 'client closed the connection while waiting for the local model');
      return;
    }
    ended.outcome = 'failed';
    fail(request, res, err, stream);
  } finally {
    dispose();
    record(gw, ctx, res, '/v1/chat/completions', resolved, ended.outcome ?? 'failed', req.stream, usage, request.gatewayError);
  }
}

export async function serveLocalEmbeddings(gw: LocalDeps, request: FastifyRequest, reply: FastifyReply, resolved: ResolvedLocal): Promise<void> {
  const req = parseEmbeddingsRequest(fullBody(request.rawBody) as Body);
  const ctx = requestContext(request, reply);
  // From here on this handler records the call (however it ends), not the app's onResponse hook.
  request.recordsItself = true;
  reply.hijack();
  const res = reply.raw;
  const ended: { outcome?: Outcome } = {};
  const { signal, dispose } = clientSignal(res);
  let usage: Usage | undefined;
  try {
    const result = await gw.local.run(resolved.local, signal, (m) => embed(m, req, signal));
    usage = readOpenAiUsage(result?.usage).usage;
    if (!result || signal.aborted) {
      ended.outcome = 'client_closed';
      return;
    }
    writeJson(res, 200, { object: 'list', data: result.data, model: resolved.alias, usage: result.usage });
    ended.outcome = 'completed';
  } catch (err) {
    if (signal.aborted) {
      ended.outcome = 'client_closed';
      return;
    }
    ended.outcome = 'failed';
    fail(request, res, err);
  } finally {
    dispose();
    record(gw, ctx, res, '/v1/embeddings', resolved, ended.outcome ?? 'failed', false, usage, request.gatewayError);
  }
}
