// Per-request metric updates at the cost of a few additions. prom-client hashes the label set
// on every inc()/observe(), even on a bound child; here each label combination gets a plain row once, the hot path bumps its numbers,
// and prom-client only sees the totals at scrape time. The registry and the exposition format
// stay prom-client's.
import { Counter, type Registry } from 'prom-client';

/**
 * Memoises one row per label combination in nested maps (no key string is built per call).
 * `make` runs once per combination.
 */
function rowsBy<T>(make: (labels: string[]) => T): (labels: string[]) => T {
  const root = new Map<string, unknown>();
  return (labels) => {
    let level = root;
    for (let i = 0; i < labels.length - 1; i++) {
      let next = level.get(labels[i]!) as Map<string, unknown> | undefined;
      if (!next) level.set(labels[i]!, (next = new Map()));
      level = next;
    }
    const last = labels[labels.length - 1]!;
    let row = level.get(last) as T | undefined;
    if (row === undefined) level.set(last, (row = make(labels)));
    return row;
  };
}

const labelObject = (names: readonly string[], values: readonly string[]) => Object.fromEntries(names.map((n, i) => [n, values[i]!]));

interface Spec {
  name: string;
  help: string;
  labelNames: readonly string[];
  registry: Registry;
}

/** A counter whose rows are plain numbers, handed to a prom-client Counter when scraped. */
export class TallyCounter {
  private readonly rows: { labels: Record<string, string>; value: number }[] = [];
  private readonly row: (labels: string[]) => { value: number };

  constructor(spec: Spec) {
    this.row = rowsBy((labels) => {
      const row = { labels: labelObject(spec.labelNames, labels), value: 0 };
      this.rows.push(row);
      return row;
    });
    const rows = this.rows;
    new Counter({
      name: spec.name,
      help: spec.help,
      labelNames: spec.labelNames,
      registers: [spec.registry],
      collect() {
        this.reset();
        for (const r of rows) this.inc(r.labels, r.value);
      },
    });
  }

  /** A count that is not a non-negative finite number is ignored: one bad value must not break every scrape. */
  inc(labels: string[], by = 1): void {
    if (by >= 0 && by !== Infinity) this.row(labels).value += by;
  }
}

interface HistogramRow {
  labels: Record<string, string>;
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * A histogram whose rows are plain arrays. Registered with the registry as a metric of its own
 * (prom-client's Histogram has no way to take bucket totals), shaped exactly like
 * prom-client's, so /metrics reads the same.
 */
export class TallyHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  private readonly rows: HistogramRow[] = [];
  private readonly row: (labels: string[]) => HistogramRow;

  constructor(
    spec: Spec,
    private readonly buckets: readonly number[],
  ) {
    this.name = spec.name;
    this.help = spec.help;
    this.row = rowsBy((labels) => {
      const row = { labels: labelObject(spec.labelNames, labels), counts: new Array<number>(buckets.length + 1).fill(0), sum: 0, count: 0 };
      this.rows.push(row);
      return row;
    });
    spec.registry.registerMetric(this as never);
  }

  observe(labels: string[], value: number): void {
    const row = this.row(labels);
    let i = 0;
    while (i < this.buckets.length && value > this.buckets[i]!) i++;
    row.counts[i]!++;
    row.sum += value;
    row.count++;
  }

  /**
   * What the registry renders (the same values prom-client's Histogram gives it): the row's
   * labels apart as `sharedLabels`.
   */
  getForPromString() {
    const bucketName = `${this.name}_bucket`;
    const values: { labels: Record<string, string | number>; sharedLabels: Record<string, string>; value: number; metricName: string }[] = [];
    for (const row of this.rows) {
      let cumulative = 0;
      this.buckets.forEach((le, i) => {
        cumulative += row.counts[i]!;
        values.push({ labels: { le }, sharedLabels: row.labels, value: cumulative, metricName: bucketName });
      });
      values.push({ labels: { le: '+Inf' }, sharedLabels: row.labels, value: row.count, metricName: bucketName });
      values.push({ labels: {}, sharedLabels: row.labels, value: row.sum, metricName: `${this.name}_sum` });
      values.push({ labels: {}, sharedLabels: row.labels, value: row.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /**
   * As prom-client's Histogram: each value with all its labels in `labels`, as
   * getMetricsAsJSON() and the cluster aggregation (AggregatorRegistry) read them.
   */
  get() {
    const data = this.getForPromString();
    return { ...data, values: data.values.map(({ labels, sharedLabels, ...rest }) => ({ ...rest, labels: { ...labels, ...sharedLabels } })) };
  }

  reset(): void {
    for (const row of this.rows) {
      row.counts.fill(0);
      row.sum = 0;
      row.count = 0;
    }
  }
}
