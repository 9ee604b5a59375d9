// Gateway tokens: create (shown once) with optional limits (expiry, allowed models, rate
// limit), list, change the limits in place, revoke.
import { Fragment, useState, type FormEvent } from 'react';
import { ApiError, getJson, sendJson, type CallableModel, type List, type Scope, type Token } from '../api';
import { CopyButton } from '../components/CopyButton';
import { Field } from '../components/Field';
import { Badge, EmptyState, Loading, Notice } from '../components/Notice';
import { errorText, formatDate } from '../format';
import { useLoad } from '../useLoad';
import { ConfirmAction } from '../components/ConfirmAction';
import { useRowAction } from '../useRowAction';

/**
 * What each scope may do, as the gateway checks it: the client APIs need `user` or above and
 * the management API `admin`. No check asks for `power_user`, so today it grants exactly what
 * `user` does.
 */
const SCOPES: { id: Scope; label: string; description: string }[] = [
  { id: 'user', label: 'user', description: 'Calls the client APIs (/v1, /anthropic, /v1beta); sees only its own stored responses.' },
  { id: 'power_user', label: 'power_user', description: 'The same as user today: no part of the gateway asks for more than user.' },
  { id: 'admin', label: 'admin', description: 'The client APIs, the management API and this web UI; sees every stored response.' },
];

type LimitField = 'expires_at' | 'allowed_models' | 'rate_limit_rpm';
const LIMIT_FIELDS: readonly string[] = ['expires_at', 'allowed_models', 'rate_limit_rpm'];

/** The limits as the form holds them: strings for the inputs, a list for the models. */
interface LimitsDraft {
  /** A datetime-local value (local time, to the minute), or '' for no expiry. */
  expires: string;
  /** Empty: any model. */
  models: string[];
  /** Requests per minute, or '' for no limit. */
  rpm: string;
}

const pad = (n: number) => String(n).padStart(2, '0');
/** An ISO time as a datetime-local value, in local time. */
function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const draftOf = (t?: Token): LimitsDraft => ({ expires: toLocalInput(t?.expires_at ?? null), models: t?.allowed_models ?? [], rpm: t?.rate_limit_rpm != null ? String(t.rate_limit_rpm) : '' });

/**
 * The limits as the API takes them; only what differs from `before` when editing (an expiry
 * that has passed cannot be sent again to the minute). Throws a field error the form shows.
 */
function limitsBody(draft: LimitsDraft, before?: Token): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (!before || draft.expires !== toLocalInput(before.expires_at)) {
    if (draft.expires === '') {
      if (before) body.expires_at = null;
    } else {
      const at = new Date(draft.expires);
      if (Number.isNaN(at.getTime())) throw new ApiError(400, 'Expiry must be a date and time, or empty for none.', 'expires_at');
      body.expires_at = at.toISOString();
    }
  }
  const models = draft.models.length ? draft.models : null;
  if (!before || JSON.stringify(models) !== JSON.stringify(before.allowed_models ?? null)) {
    if (models || before) body.allowed_models = models;
  }
  const rpmText = draft.rpm.trim();
  if (rpmText !== '' && !/^\d+$/.test(rpmText)) throw new ApiError(400, 'Rate limit must be a whole number of requests per minute, or empty for no limit.', 'rate_limit_rpm');
  const rpm = rpmText === '' ? null : Number(rpmText);
  if (!before || rpm !== (before.rate_limit_rpm ?? null)) {
    if (rpm !== null || before) body.rate_limit_rpm = rpm;
  }
  return body;
}

/** Expiry, allowed models (picked from the callable models) and rate limit. */
function LimitsFields({ draft, onChange, errors, models, idPrefix }: { draft: LimitsDraft; onChange: (d: LimitsDraft) => void; errors: Partial<Record<LimitField, string>>; models: string[]; idPrefix: string }) {
  // Models the token already allows that no longer exist stay listed, so they can be removed.
  const choices = [...models, ...draft.models.filter((m) => !models.includes(m))];
  const toggle = (id: string, on: boolean) => onChange({ ...draft, models: on ? [...draft.models, id] : draft.models.filter((m) => m !== id) });
  return (
    <div className="grid-limits">
      <Field label="Expires" error={errors.expires_at} hint="Local time; empty: never.">
        {(p) => <input {...p} type="datetime-local" value={draft.expires} onChange={(e) => onChange({ ...draft, expires: e.target.value })} />}
      </Field>
      <Field label="Rate limit" error={errors.rate_limit_rpm} hint="Requests per minute; empty: no limit.">
        {(p) => <input {...p} inputMode="numeric" value={draft.rpm} onChange={(e) => onChange({ ...draft, rpm: e.target.value })} autoComplete="off" placeholder="60" />}
      </Field>
      <fieldset className={`field model-picks${errors.allowed_models ? ' field--invalid' : ''}`} aria-describedby={`${idPrefix}-models-hint`}>
        <legend>Allowed models</legend>
        {choices.length === 0 ? (
          <p className="hint">No models to pick yet: the token may use any.</p>
        ) : (
          <div className="model-pick-list" role="group" aria-label="Allowed models">
            {choices.map((m) => (
              <label key={m} className="checkbox" title={m}>
                <input type="checkbox" checked={draft.models.includes(m)} onChange={(e) => toggle(m, e.target.checked)} /> <span className="model-pick-name">{m}</span>
              </label>
            ))}
          </div>
        )}
        <p className="hint" id={`${idPrefix}-models-hint`}>
          {draft.models.length ? `${draft.models.length} picked: only these.` : 'None picked: any model.'}
        </p>
        {errors.allowed_models && (
          <p className="field-error" role="alert">
            {errors.allowed_models}
          </p>
        )}
      </fieldset>
    </div>
  );
}

function CreateToken({ onCreated, models }: { onCreated: (token: Token & { token: string }) => void; models: string[] }) {
  const [name, setName] = useState('');
  const [scope, setScope] = useState<Scope>('user');
  const [limits, setLimits] = useState<LimitsDraft>(draftOf());
  const [errors, setErrors] = useState<Partial<Record<'name' | 'scope' | LimitField, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setFormError(undefined);
    setBusy(true);
    try {
      const created = await sendJson<Token & { token: string }>('POST', '/bodhi/v1/tokens', { name: name.trim(), scope, ...limitsBody(limits) });
      setName('');
      setLimits(draftOf());
      onCreated(created);
    } catch (err) {
      if (err instanceof ApiError && err.param && (err.param === 'name' || err.param === 'scope' || LIMIT_FIELDS.includes(err.param))) setErrors({ [err.param]: err.message });
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
        <Field label="Scope" error={errors.scope} hint={<span data-testid="scope-description">{SCOPES.find((s) => s.id === scope)?.description}</span>}>
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
      <details className="token-limits">
        <summary>Limits (optional): expiry, allowed models, rate limit</summary>
        <LimitsFields draft={limits} onChange={setLimits} errors={errors} models={models} idPrefix="create" />
      </details>
    </form>
  );
}

/** The limits of one token, edited in place under its row. */
function EditLimits({ token, models, onSaved, onCancel }: { token: Token; models: string[]; onSaved: (t: Token) => void; onCancel: () => void }) {
  const [draft, setDraft] = useState<LimitsDraft>(draftOf(token));
  const [errors, setErrors] = useState<Partial<Record<LimitField, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setFormError(undefined);
    setBusy(true);
    try {
      const body = limitsBody(draft, token);
      const saved = Object.keys(body).length ? await sendJson<Token>('PUT', `/bodhi/v1/tokens/${encodeURIComponent(token.id)}`, body) : token;
      onSaved(saved);
    } catch (err) {
      if (err instanceof ApiError && err.param && LIMIT_FIELDS.includes(err.param)) setErrors({ [err.param]: err.message });
      else setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="form edit-limits" onSubmit={save} noValidate aria-label={`Limits of ${token.name}`}>
      {formError && <Notice kind="error">{formError}</Notice>}
      <LimitsFields draft={draft} onChange={setDraft} errors={errors} models={models} idPrefix={`edit-${token.id}`} />
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Saving…' : 'Save limits'}
        </button>
        <button type="button" className="button button--quiet" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

const modelsText = (t: Token) => (t.allowed_models?.length ? t.allowed_models.join(', ') : null);

export function Tokens() {
  const { data, error, loading, reload } = useLoad(() => getJson<List<Token>>('/bodhi/v1/tokens'));
  const callable = useLoad(() => getJson<List<CallableModel>>('/bodhi/v1/models'));
  const models = (callable.data?.data ?? []).filter((m) => m.match === 'exact').map((m) => m.id);
  const [created, setCreated] = useState<Token & { token: string }>();
  const [editing, setEditing] = useState<string>();
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
        models={models}
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
          <table className="table tokens-table">
            <caption className="visually-hidden">Tokens</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Scope</th>
                <th scope="col">Expires</th>
                <th scope="col">Models</th>
                <th scope="col">Rate limit</th>
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
                <Fragment key={t.id}>
                  <tr className={t.state === 'active' ? '' : 'dim'} data-token={t.name}>
                    <td data-label="Name">
                      <div className="cell-clip">
                        <strong className="clip" title={t.name}>
                          {t.name}
                        </strong>
                        <div className="muted small mono nowrap">{t.token_hint}</div>
                      </div>
                    </td>
                    <td data-label="Scope" title={SCOPES.find((s) => s.id === t.scope)?.description}>
                      {t.scope}
                    </td>
                    <td data-label="Expires">{t.expires_at ? formatDate(t.expires_at) : <span className="muted">never</span>}</td>
                    <td data-label="Models">
                      {modelsText(t) ? (
                        <span className="clip models-cell" title={modelsText(t)!}>
                          {modelsText(t)}
                        </span>
                      ) : (
                        <span className="muted">any</span>
                      )}
                    </td>
                    <td data-label="Rate limit">{t.rate_limit_rpm ? `${t.rate_limit_rpm}/min` : <span className="muted">none</span>}</td>
                    <td data-label="Created">{formatDate(t.created_at)}</td>
                    <td data-label="Last used">{formatDate(t.last_used_at)}</td>
                    <td data-label="Status">
                      {t.state === 'active' ? <Badge tone="green">active</Badge> : <Badge tone={t.state === 'expired' ? 'amber' : 'grey'}>{t.state}</Badge>}
                    </td>
                    <td className="actions">
                      {t.status === 'active' && (
                        <>
                          {editing !== t.id && (
                            <button type="button" className="button button--small button--quiet" aria-label={`Edit limits of ${t.name}`} onClick={() => setEditing(t.id)}>
                              Edit limits
                            </button>
                          )}
                          <ConfirmAction verb="Revoke" name={t.name} confirming={confirming === t.id} onAsk={() => setConfirming(t.id)} onCancel={() => setConfirming(undefined)} onConfirm={() => revoke(t)} />
                        </>
                      )}
                    </td>
                  </tr>
                  {editing === t.id && (
                    <tr className="edit-row">
                      <td colSpan={9}>
                        <EditLimits
                          token={t}
                          models={models}
                          onCancel={() => setEditing(undefined)}
                          onSaved={(saved) => {
                            setEditing(undefined);
                            setDone(`Saved the limits of '${saved.name}'. They apply to its next request.`);
                            reload();
                          }}
                        />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
