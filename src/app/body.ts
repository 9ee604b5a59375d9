// JSON bodies. Every route keeps the raw bytes (`request.rawBody`). Management routes get the
// body parsed. The /v1 routes forward their body byte for byte and read only a few top-level
// fields of it, so there the body is checked to be JSON (upstream/json-validate.ts) without
// being parsed, and `request.body` holds just those fields: a conversation of 100 KB is never
// turned into objects. Local aliases, which do need all of it, parse it themselves (fullBody).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '../errors/catalogue.js';
import { QUOTE, skipSpace } from '../lib/json/json-bytes.js';
import { decodeSpan } from '../lib/json/json-scan.js';
import { checkJson } from '../lib/json/json-validate.js';

/** The top-level fields /v1 routes read: `model` (routing) and `store` (routing records). */
const PASS_THROUGH_FIELDS = ['model', 'store'] as const;

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

/** /v1 routes: the body checked, and only PASS_THROUGH_FIELDS decoded (see passThroughDigest). */
export function registerPassThroughBody(app: FastifyInstance): void {
  registerBody(app, passThroughDigest);
}

/**
 * What a /v1 route sees as `request.body`: for an object, an object with just the
 * PASS_THROUGH_FIELDS it has; for any other JSON value, a stand-in of the same type (the
 * routes only reject those, naming the type). Invalid JSON throws JSON.parse's own error, so
 * the 400 reads exactly as for a parsed body.
 */
export function passThroughDigest(raw: Buffer): unknown {
  const spans = checkJson(raw, PASS_THROUGH_FIELDS);
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
  const fields: Record<string, unknown> = {};
  for (const [key, span] of spans) fields[key] = decodeSpan(raw, span);
  return fields;
}

/** The whole body of a /v1 request, parsed (it was checked on arrival, so this cannot throw). */
export function fullBody(request: FastifyRequest): unknown {
  return request.rawBody?.length ? parse(request.rawBody) : undefined;
}
