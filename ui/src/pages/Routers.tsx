// The list of routers (one model name over several API models): their targets in order with
// live health, which the page re-reads every few seconds while it is open (for a while), and
// on Refresh.
import { useEffect, useState } from 'react';
import { formatLabel, getJson, sendJson, type List, type Router, type RouterTarget } from '../api';
import { Badge, EmptyState, Loading, Notice } from '../components/Notice';
import { ConfirmAction } from '../components/ConfirmAction';
import { linkTo } from '../router';
import { useFormats } from '../useFormats';
import { useLoad } from '../useLoad';
import { useRowAction } from '../useRowAction';

/** Health is re-read this often while the page is open and visible… */
const REFRESH_MS = 5_000;
/** …this many times at most (5 minutes); Refresh starts the count again. */
const MAX_REFRESHES = 60;

export const STRATEGY_LABELS = { fallback: 'Fallback', weighted: 'Weighted' } as const;

const clock = (iso: string) => new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** Live health: cooling down, healthy, and any failures within the window. */
export function TargetHealth({ target }: { target: RouterTarget }) {
  return (
    <span className="target-health">
      {target.cooling_until ? (
        <Badge tone="amber">cooling down until {clock(target.cooling_until)}</Badge>
      ) : target.healthy ? (
        <Badge tone="green">healthy</Badge>
      ) : (
        <Badge tone="red">unhealthy</Badge>
      )}
      {target.recent_failures > 0 && (
        <span className="muted small">
          {' '}
          {target.recent_failures} recent failure{target.recent_failures === 1 ? '' : 's'}
        </span>
      )}
    </span>
  );
}

export function Routers() {
  const { data: loaded, error, loading, reload } = useLoad(() => getJson<List<Router>>('/bodhi/v1/routers'));
  const formats = useFormats();
  // The table waits for the labels; without them (an error, shown above it) it shows format ids.
  const data = formats.loading && !formats.data ? undefined : loaded;
  const { confirming, setConfirming, actionError, done, run } = useRowAction(reload);
  const [asOf, setAsOf] = useState<Date>();
  const [refreshes, setRefreshes] = useState(0);

  useEffect(() => {
    if (loaded) setAsOf(new Date());
  }, [loaded]);

  // Bounded polling: only while the tab is visible, and stops after MAX_REFRESHES.
  useEffect(() => {
    if (refreshes >= MAX_REFRESHES) return;
    const timer = window.setTimeout(() => {
      if (document.visibilityState === 'visible') reload();
      setRefreshes((n) => n + 1);
    }, REFRESH_MS);
    return () => window.clearTimeout(timer);
  }, [refreshes, reload]);

  const refresh = () => {
    setRefreshes(0);
    reload();
  };

  const remove = (router: Router) =>
    run(() => sendJson('DELETE', `/bodhi/v1/routers/${encodeURIComponent(router.id)}`), `Deleted router '${router.name}'.`);

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Routers</h1>
          <p className="muted">One model name over several API models, tried in order or shared by weight, falling back on failure.</p>
        </div>
        <div className="head-actions">
          <button type="button" className="button" onClick={refresh} disabled={loading}>
            Refresh
          </button>
          <a className="button button--primary" {...linkTo('/routers/new')}>
            Add router
          </a>
        </div>
      </div>
      {done && <Notice kind="success">{done}</Notice>}
      {(error || actionError || formats.error) && <Notice kind="error">{actionError ?? error?.message ?? formats.error?.message}</Notice>}
      {(loading || formats.loading) && !data && <Loading what="routers" />}
      {data && data.data.length === 0 && (
        <EmptyState title="No routers yet">
          <p>
            A router lets clients send one model name that the gateway sends to several API models in turn. <a {...linkTo('/routers/new')}>Add the first one</a>.
          </p>
        </EmptyState>
      )}
      {data && data.data.length > 0 && (
        <>
          <div className="table-wrap">
            <table className="table">
              <caption className="visually-hidden">Routers</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Strategy</th>
                  <th scope="col">Format</th>
                  <th scope="col">Targets</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.data.map((r) => (
                  <tr key={r.id}>
                    <td data-label="Name">
                      <a {...linkTo(`/routers/${encodeURIComponent(r.id)}`)}>
                        <strong className="mono">{r.name}</strong>
                      </a>
                    </td>
                    <td data-label="Strategy">{STRATEGY_LABELS[r.strategy] ?? r.strategy}</td>
                    <td data-label="Format">{r.api_format ? formatLabel(formats.data, r.api_format) : <span className="muted">none (its API models are gone)</span>}</td>
                    <td data-label="Targets">
                      <ol className="targets" aria-label={`Targets of ${r.name}`}>
                        {r.targets.map((t) => (
                          <li key={`${t.api_model_id}/${t.model}`} className={t.enabled ? undefined : 'dim'}>
                            <span className="target-name">
                              <a {...linkTo(`/api-models/${encodeURIComponent(t.api_model_id)}`)}>{t.api_model}</a> <span aria-hidden="true">→</span>{' '}
                              <span className="visually-hidden">upstream model</span> <code>{t.model}</code>
                            </span>{' '}
                            <span className="target-meta">
                              <span className="muted small">weight {t.weight}</span> {t.enabled ? <TargetHealth target={t} /> : <Badge tone="grey">disabled</Badge>}
                            </span>
                          </li>
                        ))}
                      </ol>
                    </td>
                    <td className="actions">
                      <a className="button button--small" {...linkTo(`/routers/${encodeURIComponent(r.id)}`)} aria-label={`Edit ${r.name}`}>
                        Edit
                      </a>
                      <ConfirmAction verb="Delete" name={r.name} confirming={confirming === r.id} onAsk={() => setConfirming(r.id)} onCancel={() => setConfirming(undefined)} onConfirm={() => remove(r)} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {asOf && (
            <p className="muted small table-note" aria-live="off">
              Health as this gateway instance sees it, as of {asOf.toLocaleTimeString()}
              {refreshes < MAX_REFRESHES ? `; refreshed every ${REFRESH_MS / 1000} seconds.` : '. Refresh to see it again.'}
            </p>
          )}
        </>
      )}
    </section>
  );
}
