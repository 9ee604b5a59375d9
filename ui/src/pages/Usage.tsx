// Requests and token usage from the request log (GET /bodhi/v1/usage): totals, a chart over
// time per model (or token, or API model), and a table per key.
import { useState } from 'react';
import { getJson, type UsageGroupBy, type UsageSummary, type UsageTotals } from '../api';
import { Segmented } from '../components/Segmented';
import { EmptyState, Loading, Notice } from '../components/Notice';
import { UsageChart } from '../components/UsageChart';
import { linkTo } from '../router';
import { useLoad } from '../useLoad';
import { bucketLabel, chartData, colourSlots, formatNumber, GROUP_BYS, keyLabel, MAX_SERIES, NONE_EXPLAINED, WINDOWS, type ChartData, type Metric } from '../usage';

const METRICS: readonly { id: Metric; label: string }[] = [
  { id: 'requests', label: 'Requests' },
  { id: 'tokens', label: 'Tokens' },
];

const percent = (part: number, whole: number) => (whole > 0 ? `${Math.round((part / whole) * 100)}%` : '0%');

function Totals({ totals }: { totals: UsageTotals }) {
  const stats: { label: string; value: number; note?: string; tone?: 'bad' }[] = [
    { label: 'Requests', value: totals.requests },
    { label: 'Errors', value: totals.errors, note: `${percent(totals.errors, totals.requests)} of requests`, ...(totals.errors > 0 ? { tone: 'bad' as const } : {}) },
    { label: 'Input tokens', value: totals.input_tokens },
    { label: 'Output tokens', value: totals.output_tokens },
    { label: 'Reasoning tokens', value: totals.reasoning_tokens, note: `${percent(totals.reasoning_tokens, totals.output_tokens)} of output` },
    { label: 'Cached tokens', value: totals.cached_tokens, note: `${percent(totals.cached_tokens, totals.input_tokens)} of input` },
  ];
  return (
    <dl className="stats" aria-label="Totals">
      {stats.map((s) => (
        <div key={s.label} className={`stat${s.tone ? ` stat--${s.tone}` : ''}`}>
          <dt>{s.label}</dt>
          <dd>
            <span className="stat-value">{formatNumber(s.value)}</span>
            {s.note && <span className="stat-note">{s.note}</span>}
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** The chart's numbers as a table: the buckets that had traffic, one column per series. */
function ChartTable({ chart, metricLabel }: { chart: ChartData; metricLabel: string }) {
  const rows = chart.buckets.map((b, i) => ({ b, values: chart.series.map((s) => s.values[i]!) })).filter((r) => r.values.some((v) => v > 0));
  return (
    <details className="chart-data">
      <summary>Chart data as a table</summary>
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">{metricLabel} per time bucket</caption>
          <thead>
            <tr>
              <th scope="col">Starting</th>
              {chart.series.map((s) => (
                <th key={s.colour} scope="col" className="num series-name">
                  {s.label}
                </th>
              ))}
              <th scope="col" className="num">
                Total
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.b}>
                <td data-label="Starting">{bucketLabel(r.b, chart.bucketMs)}</td>
                {r.values.map((v, i) => (
                  <td key={chart.series[i]!.colour} data-label={chart.series[i]!.label} className="num series-name">
                    {formatNumber(v)}
                  </td>
                ))}
                <td data-label="Total" className="num">
                  {formatNumber(r.values.reduce((a, v) => a + v, 0))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

function UsageView({ summary, metric, setMetric, per, windowLabel }: { summary: UsageSummary; metric: Metric; setMetric: (m: Metric) => void; per: string; windowLabel: string }) {
  const group = GROUP_BYS.find((g) => g.id === summary.by) ?? { label: summary.by, noun: summary.by };
  const groupLabel = group.label;
  const chart = chartData(summary, metric);
  const slots = colourSlots(summary);
  const unit = metric === 'requests' ? 'requests' : 'tokens';
  const title = metric === 'requests' ? `Requests per ${per}` : `Tokens (input + output) per ${per}`;
  const summaryText = `${title} by ${group.noun}, last ${windowLabel}: ${chart.series.map((s) => `${s.label} ${formatNumber(s.total)}`).join(', ')}.`;
  return (
    <>
      <Totals totals={summary.totals} />
      <section className="card chart-card" aria-labelledby="usage-chart-title">
        <div className="card-head">
          <h2 id="usage-chart-title">{title}</h2>
          <Segmented label="Chart shows" options={METRICS} value={metric} onChange={setMetric} />
        </div>
        <UsageChart data={chart} unit={unit} label={summaryText} />
        <ul className="legend" aria-label="Legend">
          {chart.series.map((s) => (
            <li key={s.colour}>
              <span className={`swatch series-${s.colour}`} aria-hidden="true" />
              <span className="legend-label">{s.label}</span>
              <span className="muted">{formatNumber(s.total)}</span>
            </li>
          ))}
        </ul>
        <ChartTable chart={chart} metricLabel={metric === 'requests' ? 'Requests' : 'Tokens'} />
      </section>
      <h2>By {group.noun}</h2>
      <div className="table-wrap">
        <table className="table usage-table">
          <caption className="visually-hidden">Usage by {group.noun}</caption>
          <thead>
            <tr>
              <th scope="col">{groupLabel}</th>
              <th scope="col" className="num">Requests</th>
              <th scope="col" className="num">Errors</th>
              <th scope="col" className="num">Input tokens</th>
              <th scope="col" className="num">Output tokens</th>
              <th scope="col" className="num">Reasoning</th>
              <th scope="col" className="num">Cached</th>
              <th scope="col" className="num">Total tokens</th>
            </tr>
          </thead>
          <tbody>
            {summary.groups.map((g) => (
              <tr key={g.key ?? ''}>
                <td data-label={groupLabel}>
                  <span className="key">
                    <span className={`swatch series-${slots.get(g.key) ?? MAX_SERIES}`} aria-hidden="true" />
                    {g.key === null ? <span className="muted" title={NONE_EXPLAINED[summary.by]}>{keyLabel(null)}</span> : <code>{g.key}</code>}
                  </span>
                </td>
                <td data-label="Requests" className="num">{formatNumber(g.requests)}</td>
                <td data-label="Errors" className="num">{formatNumber(g.errors)}</td>
                <td data-label="Input tokens" className="num">{formatNumber(g.input_tokens)}</td>
                <td data-label="Output tokens" className="num">{formatNumber(g.output_tokens)}</td>
                <td data-label="Reasoning" className="num">{formatNumber(g.reasoning_tokens)}</td>
                <td data-label="Cached" className="num">{formatNumber(g.cached_tokens)}</td>
                <td data-label="Total tokens" className="num">{formatNumber(g.total_tokens)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {summary.groups.some((g) => g.key === null) && (
        <p className="hint" data-testid="none-explained">
          <span className="muted">{keyLabel(null)}</span>: {NONE_EXPLAINED[summary.by]}
        </p>
      )}
    </>
  );
}

export function Usage() {
  const [since, setSince] = useState(WINDOWS[1]!.id);
  const [by, setBy] = useState<UsageGroupBy>('model');
  const [metric, setMetric] = useState<Metric>('requests');
  const win = WINDOWS.find((w) => w.id === since)!;
  // The window travels with its data, so labels match what is drawn while the next one loads.
  const { data, error, loading, reload } = useLoad(
    async () => ({ win, summary: await getJson<UsageSummary>(`/bodhi/v1/usage?since=${encodeURIComponent(win.id)}&by=${encodeURIComponent(by)}&bucket=${win.bucket}`) }),
    [since, by],
  );

  return (
    <section className="usage" aria-busy={loading}>
      <div className="page-head">
        <div>
          <h1>Usage</h1>
          <p className="muted">Requests through <code>/v1</code> and the tokens upstreams reported for them, from the request log.</p>
        </div>
        <button type="button" className="button" onClick={reload} disabled={loading}>
          {loading && data ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <div className="toolbar">
        <div className="toolbar-group">
          <span className="toolbar-label" aria-hidden="true">
            Last
          </span>
          <Segmented label="Window" options={WINDOWS} value={since} onChange={setSince} />
        </div>
        <div className="toolbar-group">
          <span className="toolbar-label" aria-hidden="true">
            Group by
          </span>
          <Segmented label="Group by" options={GROUP_BYS} value={by} onChange={setBy} />
        </div>
      </div>
      {error && (
        <Notice kind="error" title="Could not load usage.">
          {error.message}{' '}
          <button type="button" className="button button--small" onClick={reload}>
            Try again
          </button>
        </Notice>
      )}
      {loading && !data && !error && <Loading what="usage" />}
      {data && !error && data.summary.totals.requests === 0 && (
        <EmptyState title="No requests in this window">
          <p>
            Calls to <code>/v1</code> show up here a moment after they finish. Pick a longer window, or send one from the{' '}
            <a {...linkTo('/playground')}>Playground</a>.
          </p>
        </EmptyState>
      )}
      {data && !error && data.summary.totals.requests > 0 && (
        <div className={loading ? 'stale' : undefined}>
          <UsageView summary={data.summary} metric={metric} setMetric={setMetric} per={data.win.per} windowLabel={data.win.label} />
        </div>
      )}
    </section>
  );
}
