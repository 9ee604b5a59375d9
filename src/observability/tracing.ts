// Optional OpenTelemetry traces (BODHI_OTEL_ENABLED=true): one server span per request and a
// client span for its upstream call, exported by the official Node SDK (OTLP over HTTP by
// default, configured with the standard OTEL_* environment variables). No auto-instrumentation
// is loaded, so nothing is monkey-patched and the disabled path costs one null check.
import { SpanKind, SpanStatusCode, context, trace, type Span, type Tracer } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { VERSION } from '../version.js';
import { redactSecrets } from './redact.js';

export interface Tracing {
  startRequest(method: string, url: string): Span;
  startUpstream(parent: Span, apiModel: string, method: string, url: string): Span;
  end(span: Span, status: number, error?: Error): void;
  shutdown(): Promise<void>;
}

export function startTracing(spanProcessors?: SpanProcessor[]): Tracing {
  const sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME ?? 'bodhi-gateway',
    instrumentations: [],
    ...(spanProcessors ? { spanProcessors } : {}),
  });
  sdk.start();
  const tracer: Tracer = trace.getTracer('bodhi-gateway', VERSION);
  return {
    startRequest(method, url) {
      const path = redactSecrets(url.split('?')[0]!); // a client may put a token in the path
      return tracer.startSpan(`${method} ${path}`, {
        kind: SpanKind.SERVER,
        attributes: { 'http.request.method': method, 'url.path': path },
      });
    },
    startUpstream(parent, apiModel, method, url) {
      return tracer.startSpan(
        `upstream ${method}`,
        { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.full': redactSecrets(url), 'bodhi.api_model': apiModel } },
        trace.setSpan(context.active(), parent),
      );
    },
    end(span, status, error) {
      span.setAttribute('http.response.status_code', status);
      if (error) span.recordException(error);
      if (error || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
    shutdown: () => sdk.shutdown(),
  };
}
