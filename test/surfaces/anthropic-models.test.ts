// The Anthropic model list without a server: which models it holds, its paging as Anthropic
// pages (limit, after_id, before_id), and which requests count as Anthropic clients.
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/catalogue.js';
import { PROVIDERS } from '../../src/providers/index.js';
import { ModelRegistry, type LiveApiModel } from '../../src/state/registry.js';
import type { AuthToken } from '../../src/state/token-cache.js';
import { anthropicModel, anthropicModelList, isAnthropicClient } from '../../src/surfaces/anthropic/models.js';

const live = (name: string, apiFormat: 'anthropic' | 'openai', models: string[], prefix: string | null = null) =>
  ({ id: name, name, apiFormat, provider: PROVIDERS[apiFormat], models, prefix, forwardAll: false, createdAt: Date.UTC(2026, 0, 2) }) as unknown as LiveApiModel;

const registry = new ModelRegistry();
registry.replace([live('a', 'anthropic', ['c1', 'c2', 'c3']), live('o', 'openai', ['gpt-4o']), live('b', 'anthropic', ['c1', 'c4'], 'b/')]);
const ids = (list: { data: { id: string }[] }) => list.data.map((m) => m.id);
const token = (allowed: string[] | null): AuthToken => ({ id: 't', name: 't', scope: 'user', allowedModels: allowed && new Set(allowed), rateLimitRpm: null });

describe('anthropic model list', () => {
  it("holds the anthropic-format ids only, in Anthropic's shape", () => {
    const list = anthropicModelList(registry, null);
    expect(ids(list)).toEqual(['c1', 'c2', 'c3', 'b/c1', 'b/c4']);
    expect(list).toMatchObject({ has_more: false, first_id: 'c1', last_id: 'b/c4' });
    expect(list.data[0]).toEqual({ type: 'model', id: 'c1', display_name: 'c1', created_at: '2026-01-02T00:00:00.000Z' });
    expect(ids(anthropicModelList(registry, token(['c2', 'gpt-4o', 'b/c4'])))).toEqual(['c2', 'b/c4']);
  });

  it('pages like Anthropic: limit (default 20, 1-1000), after_id, before_id', () => {
    expect(anthropicModelList(registry, null, { limit: '2' })).toMatchObject({ data: [{ id: 'c1' }, { id: 'c2' }], has_more: true, last_id: 'c2' });
    expect(anthropicModelList(registry, null, { limit: '2', after_id: 'c2' })).toMatchObject({ first_id: 'c3', last_id: 'b/c1', has_more: true });
    expect(anthropicModelList(registry, null, { limit: '2', after_id: 'b/c1' })).toMatchObject({ first_id: 'b/c4', has_more: false });
    expect(anthropicModelList(registry, null, { limit: '2', before_id: 'b/c1' })).toMatchObject({ first_id: 'c2', last_id: 'c3', has_more: true });
    expect(anthropicModelList(registry, null, { limit: '5', before_id: 'c2' })).toMatchObject({ first_id: 'c1', last_id: 'c1', has_more: false });
    for (const limit of ['0', '1001', 'x', '1.5']) expect(() => anthropicModelList(registry, null, { limit })).toThrow(GatewayError);
  });

  it('retrieves one model; 404 for an unknown or non-anthropic id, 403 outside the allow-list', () => {
    expect(anthropicModel(registry, null, 'b/c4')).toMatchObject({ type: 'model', id: 'b/c4' });
    for (const [id, who, status] of [['gpt-4o', null, 404], ['nope', null, 404], ['c1', token(['c2']), 403]] as const) {
      const err = (() => {
        try {
          anthropicModel(registry, who, id);
        } catch (e) {
          return e as GatewayError;
        }
      })();
      expect(err?.status, id).toBe(status);
    }
  });

  it('an Anthropic client is one that sends anthropic-version', () => {
    expect(isAnthropicClient({ 'anthropic-version': '2023-06-01', 'x-api-key': 'k' })).toBe(true);
    expect(isAnthropicClient({ authorization: 'Bearer k' })).toBe(false);
  });
});
