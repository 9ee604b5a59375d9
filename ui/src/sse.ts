// Server-sent events from a fetch() response, parsed by eventsource-parser as the bytes arrive.
import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';

export async function* sseEvents(res: Response): AsyncGenerator<EventSourceMessage> {
  if (!res.body) return;
  const reader = res.body.pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>).pipeThrough(new EventSourceParserStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
