// Usage summaries over the request log, shared by `bodhi usage` and GET /bodhi/v1/usage.
import { badRequest } from '../errors/catalogue.js';
import type { Store, UsageGroup, UsageGroupBy, UsageTotals } from '../store/types.js';

export const GROUP_BYS: readonly UsageGroupBy[] = ['token', 'model', 'api-model', 'router', 'target'];
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `30m`, `24h`, `7d`, or an ISO 8601 time; returns epoch ms. */
export function parseSince(raw: string, now = Date.now()): number {
  const rel = /^(\d+)([mhd])$/.exec(raw.trim());
  if (rel) return now - Number(rel[1]) * UNIT_MS[rel[2] as keyof typeof UNIT_MS];
  const abs = Date.parse(raw);
  if (Number.isNaN(abs)) throw badRequest(`since must look like 30m, 24h, 7d or an ISO 8601 time, got '${raw}'.`, 'since');
  return abs;
}

/** `5m`, `1h`, `1d` as a bucket width. */
export function parseBucket(raw: string): number {
  const m = /^(\d+)([mhd])$/.exec(raw.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : NaN;
  if (!ms) throw badRequest(`bucket must look like 5m, 1h or 1d, got '${raw}'.`, 'bucket');
  return ms;
}

/** About 24-48 buckets over the window, on round widths. */
export function defaultBucket(windowMs: number): number {
  const widths = [60_000, 300_000, 900_000, 3_600_000, 6 * 3_600_000, 86_400_000];
  return widths.find((w) => windowMs / w <= 48) ?? 86_400_000;
}

export function parseBy(raw: string | undefined): UsageGroupBy {
  const by = raw ?? 'model';
  if (!(GROUP_BYS as readonly string[]).includes(by)) throw badRequest(`by must be one of: ${GROUP_BYS.join(', ')}.`, 'by');
  return by as UsageGroupBy;
}

export interface UsageSummaryJson {
  object: 'usage.summary';
  since: string;
  until: string;
  by: UsageGroupBy;
  totals: ReturnType<typeof totalsJson>;
  groups: (ReturnType<typeof totalsJson> & { key: string | null })[];
  series: { bucket_seconds: number; data: (ReturnType<typeof totalsJson> & { key: string | null; bucket_start: string })[] };
}

const totalsJson = (t: UsageTotals) => ({
  requests: t.requests,
  errors: t.errors,
  input_tokens: t.inputTokens,
  output_tokens: t.outputTokens,
  reasoning_tokens: t.reasoningTokens,
  cached_tokens: t.cachedTokens,
  total_tokens: t.inputTokens + t.outputTokens,
});

function sum(groups: readonly UsageGroup[]): UsageTotals {
  const t: UsageTotals = { requests: 0, errors: 0, inputTokens: 0, outputTokens: 0, reasoningTokens: 0, cachedTokens: 0 };
  for (const g of groups) {
    t.requests += g.requests;
    t.errors += g.errors;
    t.inputTokens += g.inputTokens;
    t.outputTokens += g.outputTokens;
    t.reasoningTokens += g.reasoningTokens;
    t.cachedTokens += g.cachedTokens;
  }
  return t;
}

export async function usageSummary(store: Pick<Store, 'usageByGroup' | 'usageSeries'>, q: { since: number; by: UsageGroupBy; bucketMs?: number }, now = Date.now()): Promise<UsageSummaryJson> {
  const bucketMs = q.bucketMs ?? defaultBucket(now - q.since);
  const [groups, series] = await Promise.all([store.usageByGroup(q), store.usageSeries({ ...q, bucketMs })]);
  return {
    object: 'usage.summary',
    since: new Date(q.since).toISOString(),
    until: new Date(now).toISOString(),
    by: q.by,
    totals: totalsJson(sum(groups)),
    groups: groups.map((g) => ({ key: g.key, ...totalsJson(g) })),
    series: {
      bucket_seconds: bucketMs / 1000,
      data: series.map((b) => ({ bucket_start: new Date(b.bucketStart).toISOString(), key: b.key, ...totalsJson(b) })),
    },
  };
}
