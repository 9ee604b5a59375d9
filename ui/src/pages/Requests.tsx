// The request log (GET /bodhi/v1/requests): recent model API calls, newest first, narrowed by
// time window, token, model, API model or router, status class and route, paged with the
// cursor ("Load more"). A row opens its detail: timings, attempts, usage, the gateway's error,
// and the response id, which opens in the Playground's poll view. No bodies are ever stored.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { getJson, type ApiModel, type List, type Router, type Token } from '../api';
import { Segmented } from '../components/Segmented';
import { Badge, EmptyState, Loading, Notice } from '../components/Notice';
import { errorText } from '../format';
import { linkTo } from '../router';
import {
  getRequests,
  KNOWN_ROUTES,
  localToIso,
  ms,
  REQUEST_WINDOWS,
  STATUS_CLASSES,
  statusTone,
  type RequestFilters,
  type RequestRow,
  type RequestWindow,
} from '../requests';
import { formatNumber } from '../usage';
import { useLoad } from '../useLoad';

const time = (iso: string) =>
  new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
const num = (v: number | null) => (v === null ? '—' : formatNumber(v));
const dash = (v: string | null) => v ?? <span className="muted">—</span>;

/** Where the call went: the API model, through a router when one chose it. */
const target = (r: RequestRow) => (r.router ? `${r.router} → ${r.api_model ?? '—'}` : (r.api_model ?? '—'));

function Detail({ row, onClose }: { row: RequestRow; onClose: () => void }) {
  const titleId = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  // A row far down the list opens its detail above it: bring the detail into view and move focus there.
  useEffect(() => {
    heading.current?.focus({ preventScroll: true });
    heading.current?.scrollIntoView({ block: 'start' });
  }, [row.id]);
  const fields: [string, ReactNode][] = [
    ['Time', new Date(row.created_at).toLocaleString()],
    ['Request id', <code key="id">{row.id}</code>],
    ['Token', row.token_name ? <>{row.token_name} <span className="muted small mono">{row.token_id}</span></> : <span className="muted">none</span>],
    ['Route', <code key="route">{row.method} {row.route}</code>],
    ['Model', dash(row.model)],
    ['Router', dash(row.router)],
    ['API model', dash(row.api_model)],
    ['Upstream model', dash(row.upstream_model)],
    ['Status', <Badge key="status" tone={statusTone(row.status)}>{row.status}</Badge>],
    ['Outcome', row.outcome],
    ['Duration', ms(row.duration_ms)],
    ['Time to upstream headers', ms(row.ttfb_ms)],
    ['Streamed', row.stream ? 'yes' : 'no'],
    [
      'Response id',
      row.response_id ? (
        row.route.startsWith('/v1/responses') ? (
          <a key="rid" {...linkTo(`/playground?response=${encodeURIComponent(row.response_id)}`)} data-testid="response-link" title="Open in the Playground's poll view">
            <code>{row.response_id}</code>
          </a>
        ) : (
          <code key="rid">{row.response_id}</code>
        )
      ) : (
        <span className="muted">—</span>
      ),
    ],
    ['Input tokens', num(row.input_tokens)],
    ['Output tokens', num(row.output_tokens)],
    ['Reasoning tokens', num(row.reasoning_tokens)],
    ['Cached tokens', num(row.cached_tokens)],
    ['Usage counted', row.usage_counted ? 'yes' : row.input_tokens === null ? '—' : 'no (counted on another call)'],
  ];
  return (
    <section className="card request-detail" aria-labelledby={titleId} data-testid="request-detail">
      <div className="card-head">
        <h2 id={titleId} ref={heading} tabIndex={-1}>
          Request detail
        </h2>
        <button type="button" className="button button--small" onClick={onClose}>
          Close
        </button>
      </div>
      {row.error && (
        <Notice kind="error" title="Gateway error:">
          {row.error.code && <code>{row.error.code}</code>} {row.error.message}
        </Notice>
      )}
      <dl className="detail-list">
        {fields.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {row.attempts && row.attempts.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="attempts">
            <caption>Attempts</caption>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">API model</th>
                <th scope="col">Model</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                <th scope="col" className="num">Duration</th>
              </tr>
            </thead>
            <tbody>
              {row.attempts.map((a, i) => (
                <tr key={i}>
                  <td data-label="#">{i + 1}</td>
                  <td data-label="API model">{a.api_model}</td>
                  <td data-label="Model"><code>{a.model}</code></td>
                  <td data-label="Status">{a.status ?? <span className="muted">no answer</span>}</td>
                  <td data-label="Reason">{a.reason ?? <span className="muted">answered</span>}</td>
                  <td data-label="Duration" className="num">{ms(a.duration_ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted small">Request and response bodies are never stored.</p>
    </section>
  );
}

export function Requests() {
  const [windowId, setWindowId] = useState<RequestWindow>('24h');
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [token, setToken] = useState('');
  const [model, setModel] = useState('');
  const [apiModel, setApiModel] = useState('');
  const [status, setStatus] = useState('');
  const [route, setRoute] = useState('');
  const [rows, setRows] = useState<RequestRow[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string>();
  const [selected, setSelected] = useState<RequestRow>();
  const [tick, setTick] = useState(0);

  const tokens = useLoad(() => getJson<List<Token>>('/bodhi/v1/tokens'));
  const apiModels = useLoad(() => getJson<List<ApiModel>>('/bodhi/v1/api-models'));
  const routers = useLoad(() => getJson<List<Router>>('/bodhi/v1/routers'));

  const filters: RequestFilters = {
    ...(windowId === 'custom' ? { since: localToIso(since), until: localToIso(until) } : windowId === 'all' ? {} : { since: windowId }),
    token,
    model: model.trim(),
    api_model: apiModel,
    route,
    status,
  };
  const key = JSON.stringify(filters);

  useEffect(() => {
    let live = true;
    setLoading(true);
    getRequests(filters).then(
      (page) => {
        if (!live) return;
        setRows(page.data);
        setCursor(page.next_cursor);
        setError(undefined);
        setLoading(false);
      },
      (err: unknown) => {
        if (!live) return;
        setError(errorText(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [key, tick]);

  const loadMore = async () => {
    if (!cursor) return;
    setMore(true);
    try {
      const page = await getRequests(filters, cursor);
      setRows((r) => [...r, ...page.data]);
      setCursor(page.next_cursor);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setMore(false);
    }
  };

  const routes = [...new Set([...KNOWN_ROUTES, ...rows.map((r) => r.route), ...(route ? [route] : [])])];
  const modelListId = useId();
  const models = [...new Set(rows.map((r) => r.model).filter((m): m is string => !!m))];

  return (
    <section className="requests" aria-busy={loading}>
      <div className="page-head">
        <div>
          <h1>Requests</h1>
          <p className="muted">
            Recent calls to <code>/v1</code>, <code>/anthropic</code> and <code>/v1beta</code>, newest first. Bodies are never stored.
          </p>
        </div>
        <button type="button" className="button" onClick={() => setTick((t) => t + 1)} disabled={loading}>
          {loading && rows.length ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>

      <form className="card request-filters" aria-label="Filters" onSubmit={(e) => e.preventDefault()}>
        <div className="toolbar">
          <div className="toolbar-group">
            <span className="toolbar-label" aria-hidden="true">
              Time
            </span>
            <Segmented label="Time window" options={REQUEST_WINDOWS} value={windowId} onChange={setWindowId} />
          </div>
          <div className="toolbar-group">
            <span className="toolbar-label" aria-hidden="true">
              Status
            </span>
            <Segmented label="Status class" options={STATUS_CLASSES} value={status as (typeof STATUS_CLASSES)[number]['id']} onChange={setStatus} />
          </div>
        </div>
        {windowId === 'custom' && (
          <div className="filter-grid">
            <label className="field">
              <span>Since</span>
              <input type="datetime-local" name="since" value={since} onChange={(e) => setSince(e.target.value)} />
            </label>
            <label className="field">
              <span>Until</span>
              <input type="datetime-local" name="until" value={until} onChange={(e) => setUntil(e.target.value)} />
            </label>
          </div>
        )}
        <div className="filter-grid">
          <label className="field">
            <span>Token</span>
            <select name="token" value={token} onChange={(e) => setToken(e.target.value)}>
              <option value="">Any token</option>
              {(tokens.data?.data ?? []).map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Model</span>
            <input name="model" list={modelListId} value={model} placeholder="Any model" onChange={(e) => setModel(e.target.value)} />
            <datalist id={modelListId}>
              {models.map((m) => (
                <option key={m} value={m} />
              ))}
            </datalist>
          </label>
          <label className="field">
            <span>API model or router</span>
            <select name="api_model" value={apiModel} onChange={(e) => setApiModel(e.target.value)}>
              <option value="">Any</option>
              {(apiModels.data?.data ?? []).length > 0 && (
                <optgroup label="API models">
                  {apiModels.data!.data.map((m) => (
                    <option key={m.id} value={m.name}>
                      {m.name}
                    </option>
                  ))}
                </optgroup>
              )}
              {(routers.data?.data ?? []).length > 0 && (
                <optgroup label="Routers">
                  {routers.data!.data.map((r) => (
                    <option key={r.id} value={r.name}>
                      {r.name}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </label>
          <label className="field">
            <span>Route</span>
            <select name="route" value={route} onChange={(e) => setRoute(e.target.value)}>
              <option value="">Any route</option>
              {routes.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
        </div>
      </form>

      {error && (
        <Notice kind="error" title="Could not load requests.">
          {error}{' '}
          <button type="button" className="button button--small" onClick={() => setTick((t) => t + 1)}>
            Try again
          </button>
        </Notice>
      )}
      {selected && <Detail row={selected} onClose={() => setSelected(undefined)} />}
      {loading && rows.length === 0 && !error && <Loading what="requests" />}
      {!loading && !error && rows.length === 0 && (
        <EmptyState title="No requests match">
          <p>
            Calls show up here a moment after they finish. Widen the filters, or send one from the <a {...linkTo('/playground')}>Playground</a>.
          </p>
        </EmptyState>
      )}
      {rows.length > 0 && (
        <div className={loading ? 'stale' : undefined}>
          <div className="table-wrap">
            <table className="table requests-table" data-testid="requests">
              <caption className="visually-hidden">Requests, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Token</th>
                  <th scope="col">Route</th>
                  <th scope="col">Model</th>
                  <th scope="col">API model</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">Duration</th>
                  <th scope="col" className="num">Tokens in / out</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => (
                  <tr key={r.id} data-id={r.id} className={selected?.id === r.id ? 'selected' : undefined}>
                    <td data-label="Time">
                      <button type="button" className="link-button" onClick={() => setSelected(r)} aria-label={`Details of the ${r.route} call at ${time(r.created_at)}`}>
                        {time(r.created_at)}
                      </button>
                    </td>
                    <td data-label="Token">{dash(r.token_name)}</td>
                    <td data-label="Route">
                      <code>{r.route}</code>
                    </td>
                    <td data-label="Model">{dash(r.model)}</td>
                    <td data-label="API model">{target(r)}</td>
                    <td data-label="Status">
                      <Badge tone={statusTone(r.status)}>{r.status}</Badge>
                    </td>
                    <td data-label="Duration" className="num">
                      {ms(r.duration_ms)}
                    </td>
                    <td data-label="Tokens" className="num">
                      {r.input_tokens === null && r.output_tokens === null ? '—' : `${num(r.input_tokens)} / ${num(r.output_tokens)}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <div className="form-actions">
            <span className="muted small" data-testid="shown-count">
              {rows.length} shown{cursor ? '' : ' (all)'}
            </span>
            {cursor && (
              <button type="button" className="button" onClick={loadMore} disabled={more}>
                {more ? 'Loading…' : 'Load more'}
              </button>
            )}
          </div>
        </div>
      )}
    </section>
  );
}
