// Every model id clients can call, with what serves it.
import { FORMAT_LABELS, getJson, type CallableModel, type List } from '../api';
import { Badge, EmptyState, Loading, Notice } from '../components/Notice';
import { linkTo } from '../router';
import { useLoad } from '../useLoad';

export function Models() {
  const { data, error, loading } = useLoad(() => getJson<List<CallableModel>>('/bodhi/v1/models'));
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Models</h1>
          <p className="muted">Every model id clients can send as <code>model</code>, and the API model that serves it.</p>
        </div>
        <a className="button button--primary" {...linkTo('/api-models/new')}>
          Add API model
        </a>
      </div>
      {error && <Notice kind="error">{error.message}</Notice>}
      {loading && !data && <Loading what="models" />}
      {data && data.data.length === 0 && (
        <EmptyState title="No models yet">
          <p>
            Models come from API models. <a {...linkTo('/api-models/new')}>Add an API model</a> to make its models callable.
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
                <th scope="col">API model</th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((m) => (
                <tr key={m.id}>
                  <td data-label="Model">
                    <div>
                      <code className="model-id">{m.id}</code>
                      {m.match === 'prefix' && <span className="muted small"> any id with this prefix</span>}
                      {m.upstream_model && m.upstream_model !== m.id && <span className="muted small"> → upstream {m.upstream_model}</span>}
                    </div>
                  </td>
                  <td data-label="Kind">
                    <Badge tone="blue">API</Badge>
                  </td>
                  <td data-label="Format">{FORMAT_LABELS[m.api_format] ?? m.api_format}</td>
                  <td data-label="API model">
                    <a {...linkTo(`/api-models/${encodeURIComponent(m.api_model.id)}`)}>{m.api_model.name}</a>
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
