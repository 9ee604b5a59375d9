import { describe, expect, it } from 'vitest';
import { responseIdTap } from '../../src/upstream/response-id-tap.js';

function run(contentType: string, chunks: string[], complete = true, status = 200): string[] {
  const ids: string[] = [];
  const tap = responseIdTap((id) => ids.push(id));
  if (tap.start(status, contentType)) {
    for (const c of chunks) tap.data(Buffer.from(c));
    tap.end(complete);
  }
  return ids;
}

describe('responseIdTap', () => {
  const body = '{"id":"resp_abc","object":"response","output":[{"id":"msg_1","type":"message"}],"status":"completed"}';

  it('learns the id of a complete JSON response, whatever the chunking', () => {
    expect(run('application/json', [body])).toEqual(['resp_abc']);
    expect(run('application/json', [body.slice(0, 9), body.slice(9, 40), body.slice(40)])).toEqual(['resp_abc']);
    expect(run('application/json; charset=utf-8', [body.slice(0, 3), body.slice(3)])).toEqual(['resp_abc']);
  });

  it('records nothing for a response cut short, an error status or a body without an id', () => {
    expect(run('application/json', [body.slice(0, 30)], false)).toEqual([]);
    expect(run('application/json', [body], true, 400)).toEqual([]);
    expect(run('application/json', ['{"object":"list","data":[]}'])).toEqual([]);
  });

  it('learns the id from the first response.created event of a stream', () => {
    const sse = 'event: response.created\ndata: {"type":"response.created","response":{"id":"resp_s1"}}\n\n';
    expect(run('text/event-stream', [sse.slice(0, 20), sse.slice(20), 'event: response.output_text.delta\ndata: {}\n\n'])).toEqual(['resp_s1']);
  });
});
