// Anthropic's official SDK through the gateway, both lines: 1.x sends the key as
// `Authorization: Bearer` and `anthropic-version: 2026-10-21`, 0.x as `x-api-key` with
// 2023-06-01. Each call is compared with the same call made directly to the fake upstream:
// same result, and streams byte-identical.
import Anthropic1 from '@anthropic-ai/sdk';
import Anthropic0 from 'anthropic-sdk-0';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAnthropic, type FakeAnthropic } from '../support/fake-anthropic.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

const SDKS = [
  ['1.x', Anthropic1, 'authorization', '2026-10-21'],
  ['0.x', Anthropic0, 'x-api-key', '2023-06-01'],
] as const;

/** What the SDKs have in common, as far as these tests use them. */
type Client = InstanceType<typeof Anthropic0>;

const MODEL = 'claude-sonnet-4-6';
const ASK = { model: MODEL, max_tokens: 256, messages: [{ role: 'user' as const, content: 'Say hello.' }] };
const WEATHER = {
  ...ASK,
  messages: [{ role: 'user' as const, content: 'Please use the get_weather tool for Paris.' }],
  tools: [{ name: 'get_weather', description: 'Weather of a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }],
};

describe.each(SDKS)('@anthropic-ai/sdk %s through the gateway', (_line, Sdk, credentialHeader, version) => {
  let fake: FakeAnthropic;
  let gw: TestGateway;
  let token: string;
  const clients: Record<string, Client> = {};

  beforeAll(async () => {
    fake = await startFakeAnthropic({ cache: { creation: 0, read: 3 } });
    gw = await startTestGateway();
    await gw.addApiModel({ name: 'claude', api_format: 'anthropic', base_url: fake.baseUrl, api_key: fake.apiKey, models: fake.models });
    token = await gw.createToken('sdk-user');
    const make = (baseURL: string, apiKey: string) => new Sdk({ baseURL, apiKey, maxRetries: 0, timeout: 20_000 }) as unknown as Client;
    clients.direct = make(fake.url, fake.apiKey);
    clients.root = make(gw.url, token);
    clients.anthropic = make(`${gw.url}/anthropic`, token);
  });
  afterAll(async () => {
    await gw.close();
    await fake.close();
  });

  /** Runs `call` directly and through the gateway at both bases; returns the direct result and the gateway's. */
  async function both<T>(call: (client: Client) => Promise<T>): Promise<{ want: T; got: T[] }> {
    const want = await call(clients.direct!);
    return { want, got: [await call(clients.root!), await call(clients.anthropic!)] };
  }

  it('sends its own credential header and version; the gateway forwards only the stored key and the version', async () => {
    await clients.direct!.messages.create(ASK);
    const direct = fake.requests.at(-1)!;
    expect(direct.headers[credentialHeader]).toContain(fake.apiKey);
    expect(direct.headers['anthropic-version']).toBe(version);
    await clients.root!.messages.create(ASK);
    const forwarded = fake.requests.at(-1)!;
    expect(forwarded.headers['x-api-key']).toBe(fake.apiKey);
    expect(forwarded.headers.authorization).toBeUndefined();
    expect(forwarded.headers['anthropic-version']).toBe(version);
  });

  it('messages.create: the same message, text and tool use', async () => {
    for (const params of [ASK, WEATHER]) {
      const { want, got } = await both((c) => c.messages.create(params));
      expect(got).toEqual([want, want]);
    }
    const tool = await clients.root!.messages.create(WEATHER);
    expect(tool.stop_reason).toBe('tool_use');
    expect(tool.content.at(-1)).toMatchObject({ type: 'tool_use', name: 'get_weather' });
  });

  it('messages.stream: the same text events and final message, tool input included', async () => {
    for (const params of [ASK, WEATHER]) {
      const { want, got } = await both(async (c) => {
        const texts: string[] = [];
        const stream = c.messages.stream(params).on('text', (t) => void texts.push(t));
        return { texts, final: await stream.finalMessage() };
      });
      expect(got).toEqual([want, want]);
      expect(want.texts.length).toBeGreaterThan(1);
    }
  });

  it('streams reach the client byte for byte (raw bytes under the SDK)', async () => {
    const raw = async (c: Client) => {
      const res = await c.messages.create({ ...WEATHER, stream: true }).asResponse();
      return Buffer.from(await res.arrayBuffer());
    };
    const { want, got } = await both(raw);
    for (const bytes of got) expect(bytes.equals(want)).toBe(true);
    expect(want.toString()).toContain('event: message_start');
  });

  it('countTokens: the same count', async () => {
    const { want, got } = await both((c) => c.messages.countTokens({ model: MODEL, messages: ASK.messages }));
    expect(got).toEqual([want, want]);
    expect(want.input_tokens).toBeGreaterThan(0);
  });

  it('models.list: the same models (the gateway lists the anthropic models the token may call)', async () => {
    const ids = async (c: Client) => {
      const out: string[] = [];
      for await (const m of c.models.list()) out.push(m.id);
      return out;
    };
    const { want, got } = await both(ids);
    expect(got).toEqual([want, want]);
    const one = await clients.anthropic!.models.retrieve(MODEL);
    expect(one).toMatchObject({ type: 'model', id: MODEL });
  });

  it("the gateway's errors are the SDK's error classes", async () => {
    const stranger = new Sdk({ baseURL: gw.url, apiKey: 'sk-bodhiapp_wrong', maxRetries: 0 }) as unknown as Client;
    await expect(stranger.messages.create(ASK)).rejects.toBeInstanceOf(Sdk.AuthenticationError);
    const err = await clients.anthropic!.messages.create({ ...ASK, model: 'claude-ghost' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Sdk.NotFoundError);
    expect((err as { error: unknown }).error).toEqual({ type: 'error', error: { type: 'not_found_error', message: "Model configuration 'claude-ghost' not found." } });
  });
});
