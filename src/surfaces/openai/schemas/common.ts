// Building blocks shared by the OpenAI-surface schemas. Schemas here are JSON Schema (2020-12
// compatible, also valid for Ajv draft-07), registered once by $id and referenced as
// `{ $ref: 'Name#' }`.
export { errorResponses, ref } from '../../error-schema.js';

/** `T | null`, for fields OpenAI returns as null when unset. */
export const nullable = <S extends object>(schema: S) => ({ anyOf: [schema, { type: 'null' }] }) as const;

export const metadataSchema = {
  type: ['object', 'null'],
  description: 'Up to 16 key-value pairs (keys up to 64 chars, values up to 512 chars) stored with the object.',
  additionalProperties: { type: 'string' },
} as const;
