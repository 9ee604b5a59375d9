// The error envelope every gateway error uses, as a schema, and the per-status response
// entries routes declare with it.
import { ERROR_CATALOGUE } from '../errors/catalogue.js';

const ERROR_TYPES = [...new Set(Object.values(ERROR_CATALOGUE).map((e) => e.type))];

export const ref = (id: string) => ({ $ref: `${id}#` }) as const;

export const errorResponseSchema = {
  $id: 'ErrorResponse',
  title: 'ErrorResponse',
  description:
    "OpenAI's error envelope. The gateway's own errors always use it; upstream errors are passed through as the upstream sent them (for OpenAI, the same shape).",
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['message', 'type', 'param', 'code'],
      properties: {
        message: { type: 'string', description: 'What went wrong, for a person.' },
        type: { type: 'string', description: `The gateway's own errors use ${ERROR_TYPES.join(', ')}.` },
        param: { type: ['string', 'null'], description: 'The request field the error is about, if any.' },
        code: { type: ['string', 'null'], description: 'A stable machine-readable code, if any.' },
      },
    },
  },
} as const;

const ERROR_TEXT: Record<number, string> = {
  400: 'Invalid request (the gateway names the field in `param`), or the upstream rejected it',
  401: 'Missing, unknown, expired or revoked gateway token',
  403: 'The token lacks the scope, or may not use this model',
  404: 'Unknown model, response or object',
  408: 'The request body did not arrive in time',
  409: 'Conflicts with an existing object (`param` names the field)',
  413: 'Request body too large',
  415: 'The body is not JSON',
  502: 'The upstream could not be reached or broke off',
  503: 'Not ready (database unreachable)',
};

/** The header that tells the gateway's own errors from an upstream's passed through. */
export const gatewayErrorHeader = {
  'x-bodhi-error': {
    type: 'string',
    enum: ['gateway'],
    description: "Present on every error the gateway itself produces; absent on an upstream's error passed through (e.g. the upstream's 401 for a wrong provider key).",
  },
} as const;

/** Response entries for the given error statuses, all in the error envelope. */
export function errorResponses(...statuses: number[]): Record<number, object> {
  const out: Record<number, object> = {};
  for (const status of statuses) out[status] = { description: ERROR_TEXT[status] ?? 'Error', headers: gatewayErrorHeader, ...ref('ErrorResponse') };
  return out;
}
