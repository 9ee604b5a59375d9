// A gateway with local aliases over tiny generated GGUF models, for real llama.cpp inference
// in tests. CPU only, one thread; short idle times where a test needs them.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { startTestGateway, type TestGateway } from './gateway.js';
import { writeTinyGguf, type TinyGgufOptions } from './tiny-gguf.js';

export interface LocalTestGateway extends TestGateway {
  dir: string;
  userToken: string;
  client: OpenAI;
  /** Writes a tiny model into the test's temp dir and returns its path. */
  model(file: string, options?: TinyGgufOptions): string;
  /** Adds a local alias through the service layer and reloads the caches. */
  addAlias(input: Record<string, unknown>): Promise<{ id: string; name: string }>;
}

export const LOCAL_TEST_ENV = { BODHI_LOCAL_GPU: 'false', BODHI_LOCAL_THREADS: '1' };

export async function startLocalGateway(env: Record<string, string> = {}): Promise<LocalTestGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'bodhi-local-'));
  const gw = await startTestGateway({}, { ...LOCAL_TEST_ENV, ...env });
  const userToken = await gw.createToken('local-user');
  const close = gw.close.bind(gw);
  return Object.assign(gw, {
    dir,
    userToken,
    client: new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: userToken, maxRetries: 0, timeout: 30_000 }),
    model: (file: string, options?: TinyGgufOptions) => writeTinyGguf(join(dir, file), options),
    async addAlias(input: Record<string, unknown>) {
      const created = await gw.server.gateway.localAliases.create(input);
      await gw.server.gateway.sync.reload();
      return created;
    },
    async close() {
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
