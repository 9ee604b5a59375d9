// Gateway tokens: create (shown once), list, revoke.
import { useState, type FormEvent } from 'react';
import { ApiError, getJson, sendJson, type List, type Scope, type Token } from '../api';
import { CopyButton } from '../components/CopyButton';
import { Field } from '../components/Field';
import { Badge, EmptyState, Loading, Notice } from '../components/Notice';
import { errorText, formatDate } from '../format';
import { useLoad } from '../useLoad';
import { ConfirmAction } from '../components/ConfirmAction';
import { useRowAction } from '../useRowAction';

const SCOPES: { id: Scope; label: string }[] = [
  { id: 'user', label: 'user: call /v1' },
  { id: 'power_user', label: 'power_user: call /v1' },
  { id: 'admin', label: 'admin: /v1 and management' },
];

function CreateToken({ onCreated }: { onCreated: (token: Token & { token: string }) => void }) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('user');
  const [errors, setErrors] = useState<Partial<Record<'name' | 'scope', string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setFormError(undefined);
    setBusy(true);
    try {
      const created = await sendJson<Token & { token: string }>('POST', '/bodhi/v1/tokens', { name: name.trim(), scope });
      setName('');
      onCreated(created);
    } catch (err) {
      if (err instanceof ApiError && (err.param === 'name' || err.param === 'scope')) setErrors({ [err.param]: err.message });
      else setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form form--inline" onSubmit={submit} noValidate aria-labelledby="create-token-title">
      <h2 id="create-token-title">Create a token</h2>
      {formError && <Notice kind="error">{formError}</Notice>}
      <div className="grid-create">
        <Field label="Name" required error={errors.name}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" placeholder="my-app" />}
        </Field>
        <Field label="Scope" error={errors.scope}>
          {(p) => (
            <select {...p} value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
              {SCOPES.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.label}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="field field--button">
          <button type="submit" className="button button--primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </div>
    </form>
  );
}

export function Tokens() {
  const { data, error, loading, reload } = useLoad(() => getJson<List<Token>>('/bodhi/v1/tokens'));
  const [created, setCreated] = useState<Token & { token: string }>();
  const { confirming, setConfirming, actionError, done, setDone, run } = useRowAction(reload);

  const revoke = async (token: Token) => {
    const ok = await run(() => sendJson('DELETE', `/bodhi/v1/tokens/${encodeURIComponent(token.id)}`), `Revoked '${token.name}'. Requests with it are refused from now on.`);
    if (ok && created?.id === token.id) setCreated(undefined);
  };

  const tokens = data?.data ?? [];
  const rank = { active: 0, expired: 1, revoked: 2 } as const;
  const sorted = [...tokens].sort((a, b) => rank[a.state] - rank[b.state] || b.created_at.localeCompare(a.created_at));

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Tokens</h1>
          <p className="muted">Applications authenticate with these as <code>Authorization: Bearer &lt;token&gt;</code>.</p>
        </div>
      </div>
      <CreateToken
        onCreated={(t) => {
          setCreated(t);
          setDone(undefined);
          reload();
        }}
      />
      {created && (
        <div className="card token-once" role="status">
          <h2>Token '{created.name}' created</h2>
          <p>Copy it now: it is shown only this once.</p>
          <div className="inline">
            <label className="visually-hidden" htmlFor="new-token">
              New token
            </label>
            <input id="new-token" className="mono" readOnly value={created.token} onFocus={(e) => e.target.select()} />
            <CopyButton text={created.token} targetId="new-token" />
            <button type="button" className="button button--quiet" onClick={() => setCreated(undefined)}>
              Done
            </button>
          </div>
        </div>
      )}
      {done && <Notice kind="success">{done}</Notice>}
      {(error || actionError) && <Notice kind="error">{actionError ?? error?.message}</Notice>}
      {loading && !data && <Loading what="tokens" />}
      {data && tokens.length === 0 && <EmptyState title="No tokens yet">Create one above for each application.</EmptyState>}
      {tokens.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {sorted.map((t) => (
                <tr key={t.id} className={t.state === 'active' ? '' : 'dim'}>
                  <td data-label="Name">
                    <div>
                      <strong>{t.name}</strong>
                      <div className="muted small mono">{t.token_hint}</div>
                    </div>
                  </td>
                  <td data-label="Scope">{t.scope}</td>
                  <td data-label="Created">{formatDate(t.created_at)}</td>
                  <td data-label="Last used">{formatDate(t.last_used_at)}</td>
                  <td data-label="Status">
                    {t.state === 'active' ? <Badge tone="green">active</Badge> : <Badge tone={t.state === 'expired' ? 'amber' : 'grey'}>{t.state}</Badge>}
                  </td>
                  <td className="actions">
                    {t.status === 'active' && (
                      <ConfirmAction verb="Revoke" name={t.name} confirming={confirming === t.id} onAsk={() => setConfirming(t.id)} onCancel={() => setConfirming(undefined)} onConfirm={() => revoke(t)} />
                    )}
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
