// GET /bodhi/v1/usage: requests and token usage per token, model or API model over a window.
import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/types.js';
import type { RequestLogWriter } from '../../usage/request-log.js';
import { errorResponses, ref } from '../error-schema.js';
import { GROUP_BYS, parseBucket, parseBy, parseSince, usageSummary } from '../../usage/usage-service.js';

export const usageQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { type: 'string', description: 'Window start: 30m, 24h, 7d or an ISO 8601 time (default 24h).' },
    by: { type: 'string', enum: GROUP_BYS, description: 'Grouping (default model).' },
    bucket: { type: 'string', description: 'Time-series bucket width: 5m, 1h, 1d (default: about 24-48 buckets over the window).' },
  },
} as const;

export interface UsageRoutesDeps {
  store: Pick<Store, 'usageByGroup' | 'usageSeries'>;
  /** Flushed first: rows still queued in memory count too. */
  requestLog: Pick<RequestLogWriter, 'flush'>;
}

export function usageRoutes(app: FastifyInstance, deps: UsageRoutesDeps): void {
  const schema = {
    tags: ['Usage'],
    operationId: 'getUsage',
    summary: 'Requests and token usage per token, model or API model, with a time series',
    querystring: usageQuerySchema,
    response: { 200: ref('UsageSummary'), ...errorResponses(400, 401, 403) },
  };
  app.get<{ Querystring: { since?: string; by?: string; bucket?: string } }>('/usage', { schema }, async (request) => {
    await deps.requestLog.flush();
    const q = request.query;
    return usageSummary(deps.store, {
      since: parseSince(q.since ?? '24h'),
      by: parseBy(q.by),
      ...(q.bucket ? { bucketMs: parseBucket(q.bucket) } : {}),
    });
  });
}
