// Every model id clients can call, with what serves it: an API model, a local alias, or a
// router over several API models.
import { formatLabel, getJson, type CallableModel, type List } from '../api';
import { Badge, EmptyState, Loading, Notice } from '../components/Notice';
import { linkTo } from '../router';
import { useFormats } from '../useFormats';
import { useLoad } from '../useLoad';
import { Breakable } from '../components/Breakable';

export function Models() {
  const { data: loaded, error, loading } = useLoad(() => getJson<List<CallableModel>>('/bodhi/v1/models'));
  const formats = useFormats();
  // The table waits for the labels; without them (an error, shown above it) it shows format ids.
  const data = formats.loading && !formats.data ? undefined : loaded;
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Models</h1>
          <p className="muted">Every model id clients can send as <code>model</code>, and the API model, local alias or router that serves it.</p>
        </div>
        <div className="head-actions">
          <a className="button" {...linkTo('/local-aliases')}>
            Add local alias
          </a>
          <a className="button button--primary" {...linkTo('/api-models/new')}>
            Add API model
          </a>
        </div>
      </div>
      {(error ?? formats.error) && <Notice kind="error">{(error ?? formats.error)!.message}</Notice>}
      {(loading || formats.loading) && !data && <Loading what="models" />}
      {data && data.data.length === 0 && (
        <EmptyState title="No models yet">
          <p>
            Models come from API models and local aliases. <a {...linkTo('/api-models/new')}>Add an API model</a> to make its models callable, or{' '}
            <a {...linkTo('/local-aliases')}>a local alias</a> for a GGUF model file.
          </p>
        </EmptyState>
      )}
      {data && data.data.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Callable models</caption>
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Kind</th>
                <th scope="col">Format</th>
                <th scope="col">Served by</th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((m) => (
                <tr key={m.id}>
                  <td data-label="Model">
                    <div>
                      <code className="model-id"><Breakable text={m.id} /></code>
                      {m.match === 'prefix' && <span className="muted small"> any id with this prefix</span>}
                      {m.upstream_model && m.upstream_model !== m.id && <span className="muted small"> → upstream {m.upstream_model}</span>}
                    </div>
                  </td>
                  <td data-label="Kind">
                    {m.kind === 'local' ? <Badge tone="green">local</Badge> : m.kind === 'router' ? <Badge tone="amber">router</Badge> : <Badge tone="blue">API</Badge>}
                  </td>
                  <td data-label="Format">{m.api_format ? formatLabel(formats.data, m.api_format) : m.kind === 'local' ? 'llama.cpp (chat, embeddings)' : '—'}</td>
                  <td data-label="Served by">
                    {m.router ? (
                      <span className="router-served">
                        <a {...linkTo(`/routers/${encodeURIComponent(m.router.id)}`)} aria-label={`Router ${m.id}`}>
                          router
                        </a>{' '}
                        over{' '}
                        <span className="chips">
                          {m.router.targets.map((t) => (
                            <code key={t} className="chip">
                              {t}
                            </code>
                          ))}
                        </span>
                      </span>
                    ) : m.api_model ? (
                      <a {...linkTo(`/api-models/${encodeURIComponent(m.api_model.id)}`)}>{m.api_model.name}</a>
                    ) : m.local_alias ? (
                      <a {...linkTo('/local-aliases')} className="mono small">
                        {m.local_alias.model_file}
                      </a>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
