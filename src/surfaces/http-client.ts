// The pipeline's ClientResponse over a Node response, and the request's context: how a
// Fastify request becomes something the framework-free pipeline can serve.
import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayError } from '../errors/catalogue.js';
import type { ClientResponse } from '../pipeline/client.js';
import type { RequestContext } from '../pipeline/record.js';

/** How a surface writes its own error envelope (e.g. surfaces/openai/errors.ts). */
export type ErrorRenderer = (error: GatewayError) => { status: number; headers: Record<string, string>; body: string };

class NodeClient implements ClientResponse {
  constructor(
    private readonly res: ServerResponse,
    private readonly render: ErrorRenderer,
  ) {}

  commit(status: number, headers: readonly string[], flush: boolean): void {
    this.res.writeHead(status, headers as string[]);
    if (flush) this.res.flushHeaders();
  }

  write(chunk: Buffer): boolean {
    return this.res.write(chunk);
  }

  onceDrain(listener: () => void): void {
    this.res.once('drain', listener);
  }

  end(): void {
    this.res.end();
  }

  destroy(err: Error): void {
    this.res.destroy(err);
  }

  fail(error: GatewayError): void {
    const res = this.res;
    if (res.headersSent || res.destroyed) return;
    const { status, headers, body } = this.render(error);
    res.writeHead(status, headers).end(body);
  }

  onClose(listener: () => void): () => void {
    const res = this.res;
    // A close after the answer was written whole is the normal end, not a client leaving.
    const onClose = () => {
      if (!res.writableFinished) listener();
    };
    // Gone before the pipeline started (during a store look-up): 'close' will not fire again.
    if (res.destroyed) {
      queueMicrotask(onClose);
      return () => undefined;
    }
    res.on('close', onClose);
    return () => res.off('close', onClose);
  }
}

/** Hands the reply to the pipeline: from here on the response is written byte for byte. */
export function takeOver(reply: FastifyReply, render: ErrorRenderer): ClientResponse {
  reply.hijack();
  return new NodeClient(reply.raw, render);
}

/** The request as the pipeline sees it; `startedAt` is its arrival on our clock. */
export function requestContext(request: FastifyRequest, reply: FastifyReply): RequestContext {
  return {
    id: request.id,
    method: request.method,
    url: request.url,
    rawHeaders: request.raw.rawHeaders,
    token: request.token,
    startedAt: performance.now() - reply.elapsedTime,
    span: request.span,
    log: request.log,
  };
}
