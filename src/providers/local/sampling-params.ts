// The generation parameters a local alias honours, under their OpenAI names. The same checks
// serve a request body and an alias's `request_params` (its defaults; the request wins).
import { badRequest } from '../../errors/catalogue.js';

export interface SamplingParams {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  max_tokens?: number;
  stop?: string[];
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
}

export type SamplingKey = keyof SamplingParams;

type Check = (v: unknown) => { ok: true; value: unknown } | { ok: false; expected: string };

const number = (min: number, max: number): Check => (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? { ok: true, value: v } : { ok: false, expected: `a number between ${min} and ${max}` };
const integer = (min: number, max = Number.MAX_SAFE_INTEGER): Check => (v) =>
  Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? { ok: true, value: v } : { ok: false, expected: `an integer >= ${min}` };
const stop: Check = (v) => {
  const list = typeof v === 'string' ? [v] : v;
  if (Array.isArray(list) && list.length <= 4 && list.every((s) => typeof s === 'string' && s.length > 0)) return { ok: true, value: list };
  return { ok: false, expected: 'a non-empty string or an array of up to 4 non-empty strings' };
};

const CHECKS: Record<SamplingKey, Check> = {
  temperature: number(0, 2),
  top_p: number(0, 1),
  top_k: integer(0),
  min_p: number(0, 1),
  max_tokens: integer(1),
  stop,
  seed: integer(Number.MIN_SAFE_INTEGER),
  frequency_penalty: number(-2, 2),
  presence_penalty: number(-2, 2),
};

export const SAMPLING_KEYS = Object.keys(CHECKS) as SamplingKey[];

/** Checks one value; null and undefined mean "not set". `label` names it in the error. */
export function checkSamplingValue(key: SamplingKey, value: unknown, label: string, param: string): unknown {
  if (value === undefined || value === null) return undefined;
  const res = CHECKS[key](value);
  if (!res.ok) throw badRequest(`Invalid '${label}': expected ${res.expected}, got ${JSON.stringify(value)}.`, param, 'invalid_value');
  return res.value;
}

/** Validates an alias's `request_params`: a JSON object with known keys only. */
export function parseRequestParams(raw: unknown): SamplingParams {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw badRequest('request_params must be a JSON object, e.g. {"temperature": 0.7}.', 'request_params');
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!(SAMPLING_KEYS as string[]).includes(key)) {
      throw badRequest(`request_params has an unknown key '${key}'; allowed: ${SAMPLING_KEYS.join(', ')}.`, 'request_params');
    }
    const checked = checkSamplingValue(key as SamplingKey, value, `request_params.${key}`, 'request_params');
    if (checked !== undefined) out[key] = checked;
  }
  return out as SamplingParams;
}

/** What a local alias uses when neither the request nor the alias says (llama.cpp server's defaults). */
export const LOCAL_SAMPLING_DEFAULTS = { temperature: 0.8, top_p: 0.95, top_k: 40, min_p: 0.05 } as const satisfies SamplingParams;
