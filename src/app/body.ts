// JSON bodies. Every route keeps the raw bytes (`request.rawBody`). Management routes get the
// body parsed. Pass-through surfaces forward their body byte for byte and read only the few
// top-level fields they name, so there the body is checked to be JSON (lib/json/json-validate.ts)
// without being parsed, and `request.body` holds just those fields: a conversation of 100 KB is
// never turned into objects. Local aliases, which do need all of it, parse it themselves.
import type { FastifyInstance } from 'fastify';
import { badRequest } from '../errors/catalogue.js';
import { QUOTE, skipSpace } from '../lib/json/json-bytes.js';
import { decodeSpan } from '../lib/json/json-scan.js';
import { checkJson } from '../lib/json/json-validate.js';

const invalidJson = (err: unknown) =>
  badRequest(
    `We could not parse the JSON body of your request: ${(err as Error).message}. The gateway expects a valid JSON payload.`,
    null,
    'invalid_json',
  );

type Digest = (raw: Buffer) => unknown;

/** Only JSON is accepted: anything else is a 415, never a body silently read as text. */
function registerBody(app: FastifyInstance, digest: Digest): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body: Buffer, done) => {
    request.rawBody = body;
    if (body.length === 0) return done(null, undefined);
    try {
      done(null, digest(body));
    } catch (err) {
      done(invalidJson(err), undefined);
    }
  });
}

const parse = (raw: Buffer): unknown => JSON.parse(raw.toString('utf8'));

/** Management routes: the body parsed. */
export function registerJsonBody(app: FastifyInstance): void {
  registerBody(app, parse);
}

/** Pass-through routes: the body checked, and only `fields` decoded (see passThroughDigest). */
export function registerPassThroughBody(app: FastifyInstance, fields: readonly string[]): void {
  registerBody(app, (raw) => passThroughDigest(raw, fields));
}

/**
 * What a pass-through route sees as `request.body`: for an object, an object with just the
 * `fields` it has; for any other JSON value, a stand-in of the same type (the routes only
 * reject those, naming the type). Invalid JSON throws JSON.parse's own error, so the 400 reads
 * exactly as for a parsed body.
 */
export function passThroughDigest(raw: Buffer, fields: readonly string[]): unknown {
  const spans = checkJson(raw, fields);
  if (!spans) return parse(raw); // throws; and should the two ever disagree, the parse wins
  switch (raw[skipSpace(raw, 0)]) {
    case 0x7b: // {
      break;
    case 0x5b: // [
      return [];
    case QUOTE:
      return '';
    case 0x74: // true
      return true;
    case 0x66: // false
      return false;
    case 0x6e: // null
      return null;
    default:
      return 0;
  }
  const found: Record<string, unknown> = {};
  for (const [key, span] of spans) found[key] = decodeSpan(raw, span);
  return found;
}
