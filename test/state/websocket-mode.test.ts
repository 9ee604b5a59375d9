// websocketMode: whether the gateway talks to an API model's upstream over WebSocket.
import { describe, expect, it } from 'vitest';
import { createSecretBox } from '../../src/crypto/secret-box.js';
import { toLive, websocketMode } from '../../src/state/registry.js';
import type { ApiFormat, ApiModelRecord } from '../../src/store/types.js';

const mode = (apiFormat: ApiFormat, baseUrl: string, websocket: boolean | null) => websocketMode({ apiFormat, baseUrl, websocket });

describe('websocketMode', () => {
  it('is automatic when unset: on for openai_responses at api.openai.com, off for any other host', () => {
    expect(mode('openai_responses', 'https://api.openai.com/v1', null)).toBe(true);
    expect(mode('openai_responses', 'https://API.OpenAI.com:443/v1', null)).toBe(true);
    for (const url of ['http://127.0.0.1:9/v1', 'https://api.openai.com.example.net/v1', 'https://eu.api.openai.com/v1', 'https://openrouter.ai/api/v1', 'https://proxy.example/api.openai.com/v1']) {
      expect(mode('openai_responses', url, null), url).toBe(false);
    }
  });

  it('follows the stored choice either way', () => {
    expect(mode('openai_responses', 'https://api.openai.com/v1', false)).toBe(false);
    expect(mode('openai_responses', 'http://127.0.0.1:9/v1', true)).toBe(true);
  });

  it('is always off for the other formats', () => {
    for (const format of ['openai', 'anthropic', 'gemini'] as const) {
      expect(mode(format, 'https://api.openai.com/v1', null), format).toBe(false);
      expect(mode(format, 'https://api.openai.com/v1', true), format).toBe(false);
    }
  });

  it('is what the live API model carries', () => {
    const box = createSecretBox(Buffer.alloc(32, 3));
    const record = (baseUrl: string, websocket: boolean | null): ApiModelRecord => ({
      id: 'id-1',
      name: 'res',
      apiFormat: 'openai_responses',
      baseUrl,
      apiKeyEnc: null,
      models: ['gpt-5'],
      prefix: null,
      forwardAll: false,
      openaiOrganization: null,
      openaiProject: null,
      websocket,
      createdAt: 0,
      updatedAt: 0,
    });
    expect(toLive(record('https://api.openai.com/v1', null), box).websocket).toBe(true);
    expect(toLive(record('https://api.openai.com/v1', false), box).websocket).toBe(false);
    expect(toLive(record('http://127.0.0.1:9/v1', null), box).websocket).toBe(false);
    expect(toLive(record('http://127.0.0.1:9/v1', true), box).websocket).toBe(true);
  });
});
