// Learns the id of a response being created, as its bytes pass: from the JSON body's
// top-level `id`, or from the first `response.created` event of a stream. Bytes are only
// looked at, never held back or kept: a huge response costs no memory here.
import { StringDecoder } from 'node:string_decoder';
import type { ResponseTap } from './forward.js';
import { TopLevelStringFinder } from './json-stream-scan.js';

/** JSON bodies whose `id` is not within this many bytes are not scanned further (the id would be lost, not the response). */
const MAX_JSON_SCAN = 16 * 1024 * 1024;
/** A stream whose first events carry no response id within this many bytes is left alone. */
const MAX_SSE_SCAN = 256 * 1024;

export function responseIdTap(onId: (id: string) => void): ResponseTap {
  let mode: 'json' | 'sse' | 'off' = 'off';
  let finder: TopLevelStringFinder | undefined;
  let size = 0;
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
      else if (contentType.includes('json')) {
        mode = 'json';
        finder = new TopLevelStringFinder('id');
      }
      return mode !== 'off';
    },
    data(chunk) {
      if (mode === 'json') {
        // Once found (or given up), the rest only needs to arrive complete.
        if (finder!.finished) return;
        size += chunk.length;
        if (size > MAX_JSON_SCAN) mode = 'off';
        else finder!.write(chunk);
      } else if (mode === 'sse') {
        text += decoder.write(chunk);
        scanEvents();
        if (mode === 'sse' && text.length > MAX_SSE_SCAN) mode = 'off';
        if (mode === 'off') text = '';
      }
    },
    end(complete) {
      // A JSON answer counts only if it arrived whole, like the client saw it.
      if (mode === 'json' && complete && finder!.value) onId(finder!.value);
      mode = 'off';
      finder = undefined;
    },
  };
}
