// Turns a usage summary from GET /bodhi/v1/usage into what the Usage page draws: one value per
// time bucket for each key (buckets without requests are zeros, the API leaves them out), the
// keys beyond the busiest few folded into "Other", and round axis ticks.
import type { UsageGroupBy, UsageSummary, UsageTotals } from './api';

export interface UsageWindow {
  id: string;
  label: string;
  /** Bucket width sent to the API, and how to say it ("requests per hour"). */
  bucket: string;
  per: string;
}

export const WINDOWS: readonly UsageWindow[] = [
  { id: '1h', label: '1 hour', bucket: '5m', per: '5 minutes' },
  { id: '24h', label: '24 hours', bucket: '1h', per: 'hour' },
  { id: '7d', label: '7 days', bucket: '6h', per: '6 hours' },
  { id: '30d', label: '30 days', bucket: '1d', per: 'day' },
];

export const GROUP_BYS: readonly { id: UsageGroupBy; label: string; noun: string }[] = [
  { id: 'model', label: 'Model', noun: 'model' },
  { id: 'token', label: 'Token', noun: 'token' },
  { id: 'api-model', label: 'API model', noun: 'API model' },
];

export type Metric = 'requests' | 'tokens';

/** Series get distinct colours (CSS classes series-0 … series-6); the rest share "Other". */
export const MAX_SERIES = 7;
export const OTHER = 'Other';

/** The key as people read it; null means the call had none (e.g. it was refused). */
export const keyLabel = (key: string | null): string => key ?? '(none)';

/** What "(none)" means in each grouping: the calls the log has no token, model or API model for. */
export const NONE_EXPLAINED: Record<UsageGroupBy, string> = {
  model: 'Calls with no model: lists such as GET /v1/models, and calls refused before a model was read (a missing or bad token, a malformed body).',
  token: 'Calls with no token: refused for a missing, unknown, revoked or expired token.',
  'api-model': 'Calls no API model handled: refused ones (bad token, unknown model, over a limit) and those served by local aliases.',
};

export const metricValue = (t: UsageTotals, metric: Metric): number => (metric === 'requests' ? t.requests : t.input_tokens + t.output_tokens);

export interface ChartSeries {
  /** The group key, or OTHER. */
  label: string;
  /** Colour slot: 0 … MAX_SERIES-1, MAX_SERIES for "Other". */
  colour: number;
  values: number[];
  total: number;
}

export interface ChartData {
  bucketMs: number;
  /** Bucket start times (epoch ms), oldest first, covering the whole window. */
  buckets: number[];
  series: ChartSeries[];
  /** The tallest stack. */
  max: number;
}

/** Colour slots by key, in the order of the summary's groups (busiest first). */
export function colourSlots(summary: UsageSummary): Map<string | null, number> {
  return new Map(summary.groups.map((g, i) => [g.key, Math.min(i, MAX_SERIES)]));
}

// A window never needs more bars than this (30 days of daily buckets is 31).
const MAX_BUCKETS = 500;

export function chartData(summary: UsageSummary, metric: Metric): ChartData {
  const bucketMs = summary.series.bucket_seconds * 1000;
  const first = Math.floor(Date.parse(summary.since) / bucketMs) * bucketMs;
  const last = Math.floor(Date.parse(summary.until) / bucketMs) * bucketMs;
  const count = Math.min(MAX_BUCKETS, Math.max(1, Math.round((last - first) / bucketMs) + 1));
  const buckets = Array.from({ length: count }, (_, i) => first + i * bucketMs);

  const slots = colourSlots(summary);
  const bySlot = new Map<number, ChartSeries>();
  for (const g of summary.groups) {
    const colour = slots.get(g.key)!;
    if (!bySlot.has(colour)) bySlot.set(colour, { label: colour === MAX_SERIES ? OTHER : keyLabel(g.key), colour, values: new Array<number>(count).fill(0), total: 0 });
  }
  for (const point of summary.series.data) {
    const series = bySlot.get(slots.get(point.key) ?? MAX_SERIES);
    const index = Math.round((Date.parse(point.bucket_start) - first) / bucketMs);
    if (!series || index < 0 || index >= count) continue;
    const value = metricValue(point, metric);
    series.values[index]! += value;
    series.total += value;
  }
  const series = [...bySlot.values()].sort((a, b) => a.colour - b.colour);
  let max = 0;
  for (let i = 0; i < count; i++) max = Math.max(max, series.reduce((sum, s) => sum + s.values[i]!, 0));
  return { bucketMs, buckets, series, max };
}

/** Round tick values from 0 to at least `max`, about `target` steps, whole numbers only. */
export function ticks(max: number, target = 4): number[] {
  if (max <= 0) return [0, 1];
  const raw = max / target;
  let step = 1;
  if (raw > 1) {
    const magnitude = 10 ** Math.floor(Math.log10(raw));
    step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw && Number.isInteger(s)) ?? 10 * magnitude;
  }
  const top = Math.ceil(max / step) * step;
  return Array.from({ length: top / step + 1 }, (_, i) => i * step);
}

const numberFormat = new Intl.NumberFormat();
const compactFormat = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
export const formatNumber = (n: number): string => numberFormat.format(n);
export const formatCompact = (n: number): string => compactFormat.format(n);

const DAY_MS = 86_400_000;
// Day buckets are UTC days on the server, so they are named by their UTC date.
const dateOf = (ms: number, bucketMs: number) =>
  new Date(ms).toLocaleDateString(undefined, { month: 'short', day: 'numeric', ...(bucketMs >= DAY_MS ? { timeZone: 'UTC' } : {}) });

/** A bucket's start in full (tables, tooltips): the date, and the time for sub-day buckets. */
export function bucketLabel(ms: number, bucketMs: number): string {
  if (bucketMs >= DAY_MS) return dateOf(ms, bucketMs);
  return `${dateOf(ms, bucketMs)}, ${new Date(ms).toLocaleTimeString(undefined, { hour: 'numeric', minute: '2-digit' })}`;
}

/** A bucket's start on the time axis: the time of day (or the date for day buckets) and, when
 * the day changed since the previous label, the date on a second line. */
export function axisLabel(ms: number, bucketMs: number, previous: number | undefined): { main: string; date?: string } {
  if (bucketMs >= DAY_MS) return { main: dateOf(ms, bucketMs) };
  const time = new Date(ms).toLocaleTimeString(undefined, bucketMs >= 3_600_000 ? { hour: 'numeric' } : { hour: 'numeric', minute: '2-digit' });
  const date = dateOf(ms, bucketMs);
  return previous === undefined || dateOf(previous, bucketMs) !== date ? { main: time, date } : { main: time };
}
