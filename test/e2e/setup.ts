// A gateway in front of fake upstreams, configured the way a team would: one Responses-format
// API model (with a prefix) and one Chat/Embeddings-format API model.
import OpenAI from 'openai';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../support/gateway.js';

export interface E2E {
  gw: TestGateway;
  responsesUpstream: FakeUpstream;
  chatUpstream: FakeUpstream;
  userToken: string;
  otherToken: string;
  client: OpenAI;
  clientFor(token: string): OpenAI;
  close(): Promise<void>;
}

export async function startE2E(): Promise<E2E> {
  const responsesUpstream = await startFakeUpstream({ apiKey: 'sk-upstream-responses-SECRET', eventDelayMs: 2, backgroundStepMs: 40 });
  const chatUpstream = await startFakeUpstream({ apiKey: 'sk-upstream-chat-SECRET', eventDelayMs: 2 });
  const gw = await startTestGateway();
  await gw.addApiModel({
    name: 'openai-responses',
    api_format: 'openai_responses',
    base_url: responsesUpstream.url,
    api_key: responsesUpstream.apiKey,
    models: ['gpt-5', 'gpt-4.1'],
    prefix: 'res/',
  });
  await gw.addApiModel({
    name: 'openai-chat',
    api_format: 'openai',
    base_url: chatUpstream.url,
    api_key: chatUpstream.apiKey,
    models: ['gpt-4o', 'text-embedding-3-small'],
  });
  const userToken = await gw.createToken('alice');
  const otherToken = await gw.createToken('bob');
  const clientFor = (token: string) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: token, maxRetries: 0, timeout: 20_000 });
  return {
    gw,
    responsesUpstream,
    chatUpstream,
    userToken,
    otherToken,
    client: clientFor(userToken),
    clientFor,
    async close() {
      await gw.close();
      await Promise.all([responsesUpstream.close(), chatUpstream.close()]);
    },
  };
}

/** Reads a fetch body to the end as bytes. */
export async function bytesOf(res: Response): Promise<Buffer> {
  return Buffer.from(await res.arrayBuffer());
}
