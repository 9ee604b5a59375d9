// GET /v1/responses with `Upgrade: websocket`: the Responses API's WebSocket mode (what Codex
// CLI opens first). The gateway token is checked on the upgrade request by the /v1 auth hook
// (a bad one is a 401 before any 101; browsers may send it as the subprotocol
// `openai-insecure-api-key.<token>`), a request with an Origin header must come from an allowed
// origin, and the session itself is framework-free (pipeline/websocket). Switched off, the
// upgrade is answered 426 so clients fall back to HTTP at once.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocketConfig } from '../../config.js';
import { GatewayError, unknownUrl } from '../../errors/catalogue.js';
import type { ResponsesSessions } from '../../pipeline/websocket/sessions.js';
import { rawQuery } from './query.js';

/** The subprotocol prefix browser clients carry the key in (they cannot set Authorization). */
export const KEY_PROTOCOL = 'openai-insecure-api-key.';

export interface ResponsesWebSocketDeps {
  readonly sessions: Pick<ResponsesSessions, 'accept' | 'draining'>;
  readonly config: WebSocketConfig;
  /** How the upgrade presented the token (checked again on every response). */
  readonly credential: (request: FastifyRequest) => string | undefined;
}

const isUpgrade = (request: FastifyRequest) => (request.headers.upgrade ?? '').toLowerCase() === 'websocket';

/** The gateway token in a `Sec-WebSocket-Protocol` offer, as an Authorization value. */
export function subprotocolCredential(offer: string | undefined): string | undefined {
  if (!offer) return undefined;
  for (const p of offer.split(',')) {
    const protocol = p.trim();
    if (protocol.startsWith(KEY_PROTOCOL) && protocol.length > KEY_PROTOCOL.length) return `Bearer ${protocol.slice(KEY_PROTOCOL.length)}`;
  }
  return undefined;
}

/**
 * The subprotocol the server names in its 101: a browser fails the connection unless one it
 * offered is picked. A protocol other than the key's is preferred.
 */
export function pickProtocol(offered: Set<string>): string | false {
  let key: string | false = false;
  for (const p of offered) {
    if (!p.startsWith(KEY_PROTOCOL)) return p;
    key = p;
  }
  return key;
}

function originAllowed(config: WebSocketConfig, origin: string | undefined): boolean {
  if (origin === undefined) return true;
  return config.allowedOrigins.includes('*') || config.allowedOrigins.includes(origin.replace(/\/+$/, ''));
}

const docs = {
  hide: false,
  tags: ['Responses'],
  operationId: 'responsesWebSocket',
  summary: 'Responses over WebSocket (GET with Upgrade: websocket)',
  description:
    "OpenAI's WebSocket mode: send `response.create` frames (the create body's fields at top level), receive the stream's events as text frames. The first frame's `model` binds the session to one upstream. Without an upgrade this path answers 404; with WebSockets switched off (BODHI_WEBSOCKETS=off), 426.",
};

export function responsesWebSocketRoute(v1: FastifyInstance, deps: ResponsesWebSocketDeps): void {
  const plainGet = async (request: FastifyRequest, reply: FastifyReply) => {
    // Shutting down, upgrades are no longer taken over (the listener is gone): say so.
    if (isUpgrade(request) && deps.sessions.draining) {
      throw new GatewayError('shutting_down', 'The gateway is shutting down; try again shortly.', { headers: { connection: 'close' } });
    }
    if (isUpgrade(request)) {
      throw new GatewayError('websockets_disabled', 'WebSocket mode is switched off on this gateway; use POST /v1/responses.', { headers: { connection: 'close' } });
    }
    void reply;
    throw unknownUrl(request.method, request.url);
  };
  if (!deps.config.enabled) {
    v1.get('/responses', { schema: docs }, plainGet);
    return;
  }
  v1.route({
    method: 'GET',
    url: '/responses',
    schema: docs,
    onRequest: (request, _reply, done) => {
      if (isUpgrade(request) && !originAllowed(deps.config, request.headers.origin)) {
        return done(new GatewayError('origin_not_allowed', `Origin '${request.headers.origin}' may not open WebSocket sessions; allow it with BODHI_WS_ALLOWED_ORIGINS.`));
      }
      done();
    },
    handler: plainGet,
    wsHandler: (socket, request) => {
      deps.sessions.accept(socket, { token: request.token, credential: deps.credential(request), rawHeaders: request.raw.rawHeaders, query: rawQuery(request.url), log: request.log });
    },
  });
}
