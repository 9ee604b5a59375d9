// Builds the Fastify app: body handling, errors, auth per route prefix, and the routes.
// One request's way: auth hook -> route (validate, resolve) -> upstream/forward.
import { randomUUID } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { authHook } from '../auth/hook.js';
import { healthRoutes } from '../routes/health.js';
import { apiModelRoutes } from '../routes/management/api-models.js';
import { infoRoutes } from '../routes/management/info.js';
import { tokenRoutes } from '../routes/management/tokens.js';
import { completionsRoutes } from '../routes/openai/chat.js';
import { modelsRoutes } from '../routes/openai/models.js';
import { responsesRoutes } from '../routes/openai/responses.js';
import { registerJsonBody } from './body.js';
import { clientErrorHandler, clientTimeouts } from './client-limits.js';
import { frameworkErrorHandler, registerErrorHandling } from './errors.js';
import type { Gateway } from './gateway.js';
import './types.js';

export function buildApp(gw: Gateway, logger: Logger): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    // One access-log line per request (below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    bodyLimit: gw.config.bodyLimitBytes,
    requestTimeout: gw.config.requestTimeoutMs,
    http: clientTimeouts(gw.config),
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    // A request that races in on a kept-alive connection while shutting down is served (with
    // `connection: close`) within the shutdown deadline, instead of Fastify's non-envelope 503.
    return503OnClosing: false,
    // Response ids may be up to 256 characters (RESPONSE_ID_RE); longer ones still reach the
    // catch-all route and its 400.
    routerOptions: { maxParamLength: 256 },
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false } },
  }) as unknown as FastifyInstance;

  app.decorateRequest('token', null);
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('proxy', undefined);
  registerJsonBody(app);
  registerErrorHandling(app);

  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.raw.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        tokenName: request.token?.name,
        ...request.proxy,
      },
      'request',
    );
    done();
  });

  healthRoutes(app, gw);

  void app.register(
    async (v1) => {
      v1.addHook('onRequest', authHook(gw.tokens, gw.lastUsed, 'user', gw.rateLimits));
      responsesRoutes(v1, gw);
      completionsRoutes(v1, gw);
      modelsRoutes(v1, gw);
    },
    { prefix: '/v1' },
  );

  void app.register(
    async (admin) => {
      admin.addHook('onRequest', authHook(gw.tokens, gw.lastUsed, 'admin', gw.rateLimits));
      apiModelRoutes(admin, gw);
      tokenRoutes(admin, gw);
      infoRoutes(admin, gw);
    },
    { prefix: '/bodhi/v1' },
  );

  return app;
}
