// Route options for the /v1 pass-through routes: the schemas describe the route in the OpenAPI
// document, and nothing else.
//
// Why not let Fastify validate with them: the gateway forwards request bodies byte for byte and
// checks only `model`, with exact error texts (model-routing.ts `bodyModel`). Anything else is
// the upstream's business: a schema that could reject a body would either duplicate the
// upstream's rules (and drift from them) or answer with Ajv's texts instead of the promised
// ones. A schema that can reject nothing would still walk every `input` item of every request
// on the hot path for no effect. So these routes get a compiler that accepts everything (one
// function call per request) and a serializer that is plain JSON.stringify (gateway errors
// leave exactly as before; the upstream's answers never pass through Fastify's serializer).
import type { FastifySchema, RouteShorthandOptions } from 'fastify';

const acceptAll = () => true;
const stringify = (data: unknown) => JSON.stringify(data);

export function documented(schema: FastifySchema): RouteShorthandOptions {
  return { schema, validatorCompiler: () => acceptAll, serializerCompiler: () => stringify };
}
