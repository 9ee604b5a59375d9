// /v1/chat/completions and /v1/embeddings for local aliases: validate, then hand the work to the
// local engine (queued per model) and write OpenAI's shapes. A client that disconnects aborts
// its generation, or its place in the queue.
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorHeaders, internalError } from '../../errors/catalogue.js';
import { generateChat } from '../../providers/local/chat-completion.js';
import { ChatStream, completionBody, newCompletionMeta, writeJson } from '../../providers/local/chat-format.js';
import { parseChatRequest } from '../../providers/local/chat-request.js';
import { embed, parseEmbeddingsRequest } from '../../providers/local/embeddings.js';
import type { SamplingParams } from '../../providers/local/sampling-params.js';
import type { ResolvedLocal } from '../../state/registry.js';
import type { FinishedRequest } from '../../observability/recorder.js';
import { fullBody } from '../../app/body.js';
import { clientSignal } from '../../upstream/client-closed.js';
import { toGatewayError } from '../../app/errors.js';
import type { Gateway } from '../../app/gateway.js';
import { parseUsage, type Usage } from '../../pipeline/response-observer.js';

type Body = Record<string, unknown>;

/** Metrics, access log and request-log row for a local call, however it ended (499: client left). */
function record(gw: Gateway, request: FastifyRequest, reply: FastifyReply, route: string, resolved: ResolvedLocal, outcome: string, stream: boolean, usage: Usage | undefined): void {
  const finished: FinishedRequest = {
    request,
    reply,
    route,
    status: outcome === 'client_closed' ? 499 : reply.raw.statusCode,
    model: resolved.alias,
    outcome,
    observed: { stream, usage },
  };
  gw.recorder.record(finished);
}

/** Answers with the error envelope (or ends a started stream with an error event). */
function fail(request: FastifyRequest, res: ServerResponse, err: unknown, stream?: ChatStream): void {
  const known = toGatewayError(err);
  if (!known) request.log.error({ err }, 'local inference failed');
  const error = known ?? internalError();
  if (stream) stream.fail(error);
  else if (!res.headersSent) writeJson(res, error.status, error.toBody(), errorHeaders(error));
  else res.destroy();
}

export async function serveLocalChat(gw: Gateway, request: FastifyRequest, reply: FastifyReply, resolved: ResolvedLocal): Promise<void> {
  const req = parseChatRequest(fullBody(request) as Body, resolved.local.requestParams as SamplingParams);
  reply.hijack();
  const res = reply.raw;
  const proxyInfo: NonNullable<FastifyRequest['proxy']> = { model: resolved.alias };
  request.proxy = proxyInfo;
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
    usage = parseUsage(result.usage);
    if (result.aborted) {
      proxyInfo.outcome = 'client_closed';
      request.log.info({ model: resolved.alias, completionTokens: result.usage.completion_tokens }, 'client closed the connection; local generation stopped');
      return;
    }
    if (stream) stream.finish(result.finishReason, result.usage);
    else writeJson(res, 200, completionBody(meta, result));
    proxyInfo.outcome = 'completed';
  } catch (err) {
    if (signal.aborted) {
      proxyInfo.outcome = 'client_closed';
      request.log.info({ model: resolved.alias }, 'client closed the connection while waiting for the local model');
      return;
    }
    proxyInfo.outcome = 'failed';
    fail(request, res, err, stream);
  } finally {
    dispose();
    record(gw, request, reply, '/v1/chat/completions', resolved, proxyInfo.outcome ?? 'failed', req.stream, usage);
  }
}

export async function serveLocalEmbeddings(gw: Gateway, request: FastifyRequest, reply: FastifyReply, resolved: ResolvedLocal): Promise<void> {
  const req = parseEmbeddingsRequest(fullBody(request) as Body);
  reply.hijack();
  const res = reply.raw;
  const proxyInfo: NonNullable<FastifyRequest['proxy']> = { model: resolved.alias };
  request.proxy = proxyInfo;
  const { signal, dispose } = clientSignal(res);
  let usage: Usage | undefined;
  try {
    const result = await gw.local.run(resolved.local, signal, (m) => embed(m, req, signal));
    usage = parseUsage(result?.usage);
    if (!result || signal.aborted) {
      proxyInfo.outcome = 'client_closed';
      return;
    }
    writeJson(res, 200, { object: 'list', data: result.data, model: resolved.alias, usage: result.usage });
    proxyInfo.outcome = 'completed';
  } catch (err) {
    if (signal.aborted) {
      proxyInfo.outcome = 'client_closed';
      return;
    }
    proxyInfo.outcome = 'failed';
    fail(request, res, err);
  } finally {
    dispose();
    record(gw, request, reply, '/v1/embeddings', resolved, proxyInfo.outcome ?? 'failed', false, usage);
  }
}
