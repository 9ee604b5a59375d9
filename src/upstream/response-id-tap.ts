// Learns the id of a response being created, as its bytes pass: from the JSON body's
// top-level `id` (the first one: a Response object starts with it, so the first chunk almost
// always holds it and nothing needs to be kept), or from the first `response.created` event of
// a stream. Bytes are only looked at, never held back.
import { StringDecoder } from 'node:string_decoder';
import type { ResponseTap } from './forward.js';
import { readTopLevelString } from './json-scan.js';

/** JSON bodies larger than this are not inspected (the id would be lost, not the response). */
const MAX_JSON_BYTES = 16 * 1024 * 1024;
/** A stream whose first events carry no response id within this many bytes is left alone. */
const MAX_SSE_SCAN = 256 * 1024;

export function responseIdTap(onId: (id: string) => void): ResponseTap {
  let mode: 'json' | 'sse' | 'off' = 'off';
  let chunks: Buffer[] = [];
  let size = 0;
  let jsonId: string | undefined;
  let text = '';
  const decoder = new StringDecoder('utf8');

  const scanEvents = () => {
    // Events are separated by a blank line; each may have several `data:` lines.
    for (;;) {
      const m = /\r?\n\r?\n/.exec(text);
      if (!m) return;
      const event = text.slice(0, m.index);
      text = text.slice(m.index + m[0].length);
      const data = event
        .split(/\r?\n/)
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(l[5] === ' ' ? 6 : 5))
        .join('\n');
      if (!data) continue;
      try {
        const parsed = JSON.parse(data) as { type?: string; response?: { id?: unknown } };
        const id = parsed.response?.id;
        if (typeof id === 'string') {
          onId(id);
          mode = 'off';
          return;
        }
      } catch {
        // not JSON: keep looking
      }
    }
  };

  return {
    start(status, contentType) {
      if (status < 200 || status >= 300) return false;
      if (contentType.startsWith('text/event-stream')) mode = 'sse';
      else if (contentType.includes('json')) mode = 'json';
      return mode !== 'off';
    },
    data(chunk) {
      if (mode === 'json') {
        if (jsonId !== undefined) return;
        size += chunk.length;
        if (size > MAX_JSON_BYTES) {
          mode = 'off';
          chunks = [];
          return;
        }
        // Later chunks are only kept for one scan at the end, in case the first one cut the id.
        if (chunks.length === 0) jsonId = readTopLevelString(chunk, 'id', true);
        if (jsonId === undefined) chunks.push(chunk);
      } else if (mode === 'sse') {
        text += decoder.write(chunk);
        scanEvents();
        if (mode === 'sse' && text.length > MAX_SSE_SCAN) mode = 'off';
        if (mode === 'off') text = '';
      }
    },
    end(complete) {
      if (mode === 'json' && complete) {
        if (jsonId === undefined && chunks.length > 0) jsonId = readTopLevelString(Buffer.concat(chunks), 'id', true);
        if (jsonId) onId(jsonId);
      }
      mode = 'off';
      chunks = [];
    },
  };
}
