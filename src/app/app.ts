// Builds the Fastify app: body handling, errors, auth per route prefix, and the routes.
// One request's way: auth hook -> surface route -> pipeline (docs/architecture.md).
import { randomUUID } from 'node:crypto';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type RouteOptions } from 'fastify';
import type { Logger } from 'pino';
import { authHook } from '../surfaces/auth-hook.js';
import { healthRoutes } from '../surfaces/health.js';
import { localAliasRoutes } from '../surfaces/management/aliases.js';
import { metricsRoutes } from '../surfaces/management/metrics.js';
import { usageRoutes } from '../surfaces/management/usage.js';
import { requestsRoutes } from '../surfaces/management/requests.js';
import { apiModelRoutes } from '../surfaces/management/api-models.js';
import { routerRoutes } from '../surfaces/management/routers.js';
import { infoRoutes } from '../surfaces/management/info.js';
import { callableModelRoutes } from '../surfaces/management/models.js';
import { tokenRoutes } from '../surfaces/management/tokens.js';
import { upstreamCheckRoutes } from '../surfaces/management/upstream-checks.js';
import { OPENAI_BODY_FIELDS, openaiCredential, openaiRoutes } from '../surfaces/openai/index.js';
import { pickProtocol } from '../surfaces/openai/responses-ws.js';
import { ANTHROPIC_BODY_FIELDS, anthropicCredential, anthropicRoutes, renderAnthropicError } from '../surfaces/anthropic/index.js';
import { geminiCredential, geminiRoutes, renderGeminiError } from '../surfaces/gemini/index.js';
import { useErrorRenderer } from '../surfaces/http-errors.js';
import { registerJsonBody, registerPassThroughBody } from './body.js';
import { answerConnect, clientErrorHandler, clientTimeouts } from './client-limits.js';
import { registerDocs } from './docs.js';
import { frameworkErrorHandler, registerErrorHandling } from './errors.js';
import { LazyRequestLogger } from './logger.js';
import type { Gateway } from './gateway.js';
import '../surfaces/request-fields.js';
import { registerUi } from './ui.js';
import { requestContext } from '../surfaces/http-client.js';

export interface BuildOptions {
  /** Sees every route as it is registered (the OpenAPI test checks each one is documented). */
  onRoute?: (route: RouteOptions) => void;
}

export function buildApp(gw: Gateway, logger: Logger, options: BuildOptions = {}): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    // One access-log line per request (below) instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: () => randomUUID(),
    childLoggerFactory: (parent, bindings, options) => new LazyRequestLogger(parent as Logger, bindings, options) as unknown as FastifyBaseLogger,
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
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  app.server.on('connect', answerConnect);

  // Something the CLI or another instance created a moment ago is usable at once.
  const refresh = () => gw.sync.refreshOnMiss();
  app.decorateRequest('token', null);
  app.decorateRequest('rawBody', undefined);
  app.decorateRequest('recordsItself', false);
  app.decorateRequest('span', undefined);
  app.decorateRequest('gatewayError', undefined);
  const tracing = gw.tracing;
  if (tracing) {
    app.addHook('onRequest', (request, _reply, done) => {
      request.span = tracing.startRequest(request.method, request.url);
      done();
    });
  }
  registerJsonBody(app);
  registerErrorHandling(app);

  app.addHook('onResponse', (request, reply, done) => {
    // Proxied and local calls are recorded by their handlers, which know how they ended.
    if (!request.recordsItself) {
      const named = (request.body as { model?: unknown } | undefined)?.model;
      gw.recorder.record({
        ctx: requestContext(request, reply),
        route: request.routeOptions.url,
        status: reply.raw.statusCode,
        outcome: reply.raw.statusCode < 400 ? 'served' : 'rejected',
        model: typeof named === 'string' ? named : undefined,
        error: request.gatewayError,
      });
    }
    done();
  });

  // Before any route: the OpenAPI generator watches routes as they are registered.
  registerDocs(app, gw);

  void app.register(async (open) => healthRoutes(open, gw));

  // Prometheus scrape endpoint, admin token required (or see BODHI_METRICS_PORT for an unauthenticated port).
  void app.register(async (scope) => {
    scope.addHook('onRequest', authHook(gw.tokens, gw.lastUsed, 'admin', gw.rateLimits, refresh));
    metricsRoutes(scope, gw);
  });

  if (gw.config.websocket.enabled) {
    void app.register(fastifyWebsocket, {
      options: {
        maxPayload: gw.config.websocket.maxFrameBytes,
        perMessageDeflate: false,
        handleProtocols: (offered) => pickProtocol(offered),
      },
      // Sessions are drained by the server's close (start.ts), beside the HTTP connections,
      // once the listener has stopped; the plugin's own preClose would cut them at once.
      preClose: async () => undefined,
    });
  }

  void app.register(
    async (v1) => {
      v1.addHook('onRequest', authHook(gw.tokens, gw.lastUsed, 'user', gw.rateLimits, refresh, openaiCredential));
      // Bodies here pass through: checked to be JSON, only `model` and `store` decoded.
      registerPassThroughBody(v1, OPENAI_BODY_FIELDS);
      openaiRoutes(v1, gw, refresh);
    },
    { prefix: '/v1' },
  );

  // Anthropic's Messages API: its own credential headers and error envelope.
  void app.register(async (anthropic) => {
    useErrorRenderer(anthropic, renderAnthropicError);
    anthropic.addHook('onRequest', authHook(gw.tokens, gw.lastUsed, 'user', gw.rateLimits, refresh, anthropicCredential));
    registerPassThroughBody(anthropic, ANTHROPIC_BODY_FIELDS);
    anthropicRoutes(anthropic, gw, refresh);
  });

  // Google's Gemini API: the model is in the path, so no body field is read.
  void app.register(
    async (gemini) => {
      useErrorRenderer(gemini, renderGeminiError);
      gemini.addHook('onRequest', authHook(gw.tokens, gw.lastUsed, 'user', gw.rateLimits, refresh, geminiCredential));
      registerPassThroughBody(gemini, []);
      geminiRoutes(gemini, gw, refresh);
    },
    { prefix: '/v1beta' },
  );

  void app.register(
    async (admin) => {
      admin.addHook('onRequest', authHook(gw.tokens, gw.lastUsed, 'admin', gw.rateLimits, refresh));
      apiModelRoutes(admin, gw);
      localAliasRoutes(admin, gw);
      routerRoutes(admin, gw);
      upstreamCheckRoutes(admin, gw);
      callableModelRoutes(admin, gw);
      tokenRoutes(admin, gw);
      infoRoutes(admin, gw);
      usageRoutes(admin, gw);
      requestsRoutes(admin, gw);
    },
    { prefix: '/bodhi/v1' },
  );

  registerUi(app);

  return app;
}
