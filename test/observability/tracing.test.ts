// OpenTelemetry (optional): one server span per request with the upstream call as its child.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';
import { waitUntil } from '../support/wait.js';

describe('OpenTelemetry traces', () => {
  const exporter = new InMemorySpanExporter();
  let gw: TestGateway;
  let up: FakeUpstream;
  beforeAll(async () => {
    up = await startFakeUpstream();
    gw = await startTestGateway({ otelEnabled: true }, {}, { spanProcessors: [new SimpleSpanProcessor(exporter)] });
    await gw.addApiModel({ name: 'res', api_format: 'openai_responses', base_url: up.url, api_key: up.apiKey, models: ['gpt-5'] });
  });
  afterAll(async () => {
    await gw.close();
    await up.close();
  });

  it('exports a server span per request with an upstream child span', async () => {
    exporter.reset();
    const res = await gw.call('/v1/responses', { method: 'POST', json: { model: 'gpt-5', input: 'trace me' } });
    expect(res.status).toBe(200);
    await res.text();
    await waitUntil(() => exporter.getFinishedSpans().length >= 2, 2_000);
    const spans = exporter.getFinishedSpans();
    const server = spans.find((s) => s.name === 'POST /v1/responses')!;
    const client = spans.find((s) => s.name === 'upstream POST')!;
    expect(server).toBeDefined();
    expect(client).toBeDefined();
    expect(client.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(client.spanContext().traceId).toBe(server.spanContext().traceId);
    expect(server.attributes['http.response.status_code']).toBe(200);
    expect(client.attributes['bodhi.api_model']).toBe('res');
    expect(String(client.attributes['url.full'])).toBe(`${up.url}/responses`);
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain(up.apiKey);
  });

  it('marks upstream failures as errors', async () => {
    await gw.addApiModel({ name: 'dead', api_format: 'openai_responses', base_url: 'http://127.0.0.1:9/v1', models: ['dead'] });
    exporter.reset();
    const res = await gw.call('/v1/responses', { method: 'POST', json: { model: 'dead', input: 'x' } });
    expect(res.status).toBe(502);
    await waitUntil(() => exporter.getFinishedSpans().some((s) => s.name === 'upstream POST'), 2_000);
    const client = exporter.getFinishedSpans().find((s) => s.name === 'upstream POST')!;
    expect(client.status.code).toBe(2); // SpanStatusCode.ERROR
    expect(client.events.some((e) => e.name === 'exception')).toBe(true);
  });
});
