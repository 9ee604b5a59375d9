// A local alias's call is recorded whichever way it ends, also when its body is refused
// before the model runs: access-log line, metrics and request-log row.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalGateway, type LocalTestGateway } from '../support/local.js';

describe('recording local alias calls', () => {
  let gw: LocalTestGateway;
  beforeAll(async () => {
    gw = await startLocalGateway();
    await gw.addAlias({ name: 'tiny', model_file: gw.model('tiny.gguf') });
  });
  afterAll(async () => gw?.close());

  it('records a 400 for a local alias (the body is refused before the model runs)', async () => {
    for (const path of ['/v1/chat/completions', '/v1/embeddings']) {
      const res = await gw.call(path, { token: gw.userToken, method: 'POST', json: { model: 'tiny', messages: [], input: 42 } });
      expect(res.status).toBe(400);
      await res.text();
    }
    await gw.server.gateway.requestLog.flush();
    const rows = await gw.server.gateway.store.listRequestLogs({ limit: 100 });
    expect(rows.filter((r) => r.model === 'tiny').map((r) => `${r.route} ${r.status} ${r.outcome}`).sort()).toEqual([
      '/v1/chat/completions 400 rejected',
      '/v1/embeddings 400 rejected',
    ]);
    const access = gw.logs.map((l) => JSON.parse(l) as { msg?: string; url?: string; status?: number; model?: string }).filter((l) => l.msg === 'request' && l.model === 'tiny');
    expect(access.map((l) => `${l.url} ${l.status}`).sort()).toEqual(['/v1/chat/completions 400', '/v1/embeddings 400']);
  });
});
