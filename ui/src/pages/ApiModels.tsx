// The list of API models (upstream providers): edit, delete, add.
import { formatLabel, getJson, sendJson, type ApiModel, type List } from '../api';
import { Badge, EmptyState, Loading, Notice } from '../components/Notice';
import { linkTo } from '../router';
import { useFormats } from '../useFormats';
import { useLoad } from '../useLoad';
import { ConfirmAction } from '../components/ConfirmAction';
import { useRowAction } from '../useRowAction';
import { Breakable } from '../components/Breakable';

export function ApiModels() {
  const { data: loaded, error, loading, reload } = useLoad(() => getJson<List<ApiModel>>('/bodhi/v1/api-models'));
  const formats = useFormats();
  // The table waits for the labels; without them (an error, shown above it) it shows format ids.
  const data = formats.loading && !formats.data ? undefined : loaded;
  const { confirming, setConfirming, actionError, done, run } = useRowAction(reload);

  const remove = (model: ApiModel) =>
    run(() => sendJson('DELETE', `/bodhi/v1/api-models/${encodeURIComponent(model.id)}`), `Deleted API model '${model.name}'.`);

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>API Models</h1>
          <p className="muted">Upstream providers: where requests go, with which key, for which model ids.</p>
        </div>
        <a className="button button--primary" {...linkTo('/api-models/new')}>
          Add API model
        </a>
      </div>
      {done && <Notice kind="success">{done}</Notice>}
      {(error || actionError || formats.error) && <Notice kind="error">{actionError ?? error?.message ?? formats.error?.message}</Notice>}
      {(loading || formats.loading) && !data && <Loading what="API models" />}
      {data && data.data.length === 0 && (
        <EmptyState title="No API models yet">
          <p>
            An API model connects the gateway to a provider such as OpenAI. <a {...linkTo('/api-models/new')}>Add the first one</a>.
          </p>
        </EmptyState>
      )}
      {data && data.data.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">API models</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Format</th>
                <th scope="col">Base URL</th>
                <th scope="col">Models</th>
                <th scope="col">API key</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {data.data.map((m) => (
                <tr key={m.id}>
                  <td data-label="Name">
                    <a {...linkTo(`/api-models/${encodeURIComponent(m.id)}`)}>
                      <strong><Breakable text={m.name} /></strong>
                    </a>
                  </td>
                  <td data-label="Format">
                    {formatLabel(formats.data, m.api_format)}
                    {m.websocket_effective && (
                      <>
                        {' '}
                        <Badge tone="blue">WebSocket</Badge>
                      </>
                    )}
                  </td>
                  <td data-label="Base URL">
                    <Breakable text={m.base_url} />
                  </td>
                  <td data-label="Models">
                    {m.forward_all ? (
                      <span>
                        all <code>{m.prefix}*</code>
                      </span>
                    ) : (
                      <span className="chips">
                        {m.models.map((id) => (
                          <code key={id} className="chip">
                            {(m.prefix ?? '') + id}
                          </code>
                        ))}
                      </span>
                    )}
                  </td>
                  <td data-label="API key">{m.has_api_key ? <Badge tone="green">set</Badge> : <Badge tone="grey">not set</Badge>}</td>
                  <td className="actions">
                    <a className="button button--small" {...linkTo(`/api-models/${encodeURIComponent(m.id)}`)} aria-label={`Edit ${m.name}`}>
                      Edit
                    </a>
                    <ConfirmAction verb="Delete" name={m.name} confirming={confirming === m.id} onAsk={() => setConfirming(m.id)} onCancel={() => setConfirming(undefined)} onConfirm={() => remove(m)} />
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
