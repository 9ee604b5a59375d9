// JSON bodies are kept twice: the raw bytes (forwarded upstream untouched) and one parse
// (to read `model`, and for the management API).
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../errors.js';

export function registerJsonBody(app: FastifyInstance): void {
  // Only JSON is accepted: anything else is a 415, never a body silently read as text.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    const raw = body;
    request.rawBody = raw;
    if (raw.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(raw.toString('utf8')));
    } catch (err) {
      done(
        badRequest(
          `We could not parse the JSON body of your request: ${(err as Error).message}. The gateway expects a valid JSON payload.`,
          null,
          'invalid_json',
        ),
        undefined,
      );
    }
  });
}
