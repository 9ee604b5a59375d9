// Usage summaries over calls of every API format: Anthropic Messages and Gemini calls are
// grouped by model, token and API model like the OpenAI ones, and add up with them.
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import type { RequestLogEntry, Store } from '../../src/store/types.js';
import { usageSummary } from '../../src/usage/usage-service.js';
import { tempHome } from '../support/gateway.js';

const T0 = Date.now() - 60_000;
let n = 0;
const row = (over: Partial<RequestLogEntry>): RequestLogEntry => ({
  id: `req-${++n}`,
  createdAt: T0 + n,
  tokenId: 't1',
  tokenName: 'app',
  method: 'POST',
  route: '/v1/responses',
  model: 'gpt-5',
  apiModelId: 'am-openai',
  apiModelName: 'openai',
  router: null,
  upstreamModel: null,
  attempts: null,
  status: 200,
  durationMs: 10,
  ttfbMs: 5,
  responseId: null,
  stream: false,
  outcome: 'completed',
  inputTokens: 10,
  outputTokens: 20,
  reasoningTokens: null,
  cachedTokens: null,
  usageCounted: true,
  ...over,
});

describe('usage of anthropic and gemini calls', () => {
  let store: Store;
  const home = tempHome('bodhi-usage-formats-');
  beforeAll(async () => {
    store = await openStore({ home, databaseUrl: undefined });
    await store.insertRequestLogs([
      row({}),
      // Anthropic: cache reads count as cached input.
      row({ route: '/v1/messages', model: 'claude-sonnet-4-5', apiModelId: 'am-claude', apiModelName: 'claude', stream: true, inputTokens: 100, outputTokens: 40, cachedTokens: 60 }),
      row({ route: '/anthropic/v1/messages', model: 'claude-sonnet-4-5', apiModelId: 'am-claude', apiModelName: 'claude', inputTokens: 50, outputTokens: 10 }),
      row({ route: '/v1/messages', model: 'claude-sonnet-4-5', apiModelId: 'am-claude', apiModelName: 'claude', status: 529, outcome: 'failed', inputTokens: null, outputTokens: null, usageCounted: false }),
      // Gemini: the model is in the path; thoughts count as reasoning.
      row({ route: '/v1beta/models/*', model: 'gem/gemini-2.5-flash', apiModelId: 'am-gemini', apiModelName: 'gemini', stream: true, inputTokens: 8, outputTokens: 30, reasoningTokens: 12 }),
    ] as RequestLogEntry[]);
  });
  afterAll(async () => {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });

  const groups = async (by: 'model' | 'api-model' | 'token') => {
    const summary = await usageSummary(store, { since: T0 - 1, by });
    return { summary, byKey: Object.fromEntries(summary.groups.map((g) => [g.key, g])) };
  };

  it('groups by API model', async () => {
    const { summary, byKey } = await groups('api-model');
    expect(Object.keys(byKey).sort()).toEqual(['claude', 'gemini', 'openai']);
    expect(byKey.claude).toMatchObject({ requests: 3, errors: 1, input_tokens: 150, output_tokens: 50, cached_tokens: 60, total_tokens: 200 });
    expect(byKey.gemini).toMatchObject({ requests: 1, errors: 0, input_tokens: 8, output_tokens: 30, reasoning_tokens: 12 });
    expect(summary.totals).toMatchObject({ requests: 5, errors: 1, input_tokens: 168, output_tokens: 100 });
    expect(new Set(summary.series.data.map((d) => d.key))).toEqual(new Set(['claude', 'gemini', 'openai']));
  });

  it('groups by model (a Gemini model named in the path, prefix included) and by token', async () => {
    const { byKey } = await groups('model');
    expect(byKey['claude-sonnet-4-5']).toMatchObject({ requests: 3, input_tokens: 150 });
    expect(byKey['gem/gemini-2.5-flash']).toMatchObject({ requests: 1, output_tokens: 30 });
    expect((await groups('token')).byKey.app).toMatchObject({ requests: 5 });
  });
});
