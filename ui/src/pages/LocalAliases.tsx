// Local aliases: GGUF model files on the gateway host, run by llama.cpp for /v1/chat/completions
// and /v1/embeddings. Add (the gateway checks the file is a readable GGUF model), list, remove.
import { useRef, useState, type FormEvent } from 'react';
import { ApiError, getJson, sendJson, type List, type LocalAlias } from '../api';
import { Field } from '../components/Field';
import { Badge, EmptyState, Loading, Notice } from '../components/Notice';
import { errorText, formatDate } from '../format';
import { useLoad } from '../useLoad';
import { ConfirmAction } from '../components/ConfirmAction';
import { useRowAction } from '../useRowAction';
import { Breakable } from '../components/Breakable';

type FieldName = 'name' | 'model_file' | 'context_size';
const FIELDS: readonly string[] = ['name', 'model_file', 'context_size'];

function AddAlias({ onAdded }: { onAdded: (alias: LocalAlias) => void }) {
  const [name, setName] = useState('');
  const [modelFile, setModelFile] = useState('');
  const [contextSize, setContextSize] = useState('');
  const [errors, setErrors] = useState<Partial<Record<FieldName, string>>>({});
  const [formError, setFormError] = useState<string>();
  const [busy, setBusy] = useState(false);
  /** The file the gateway last found good (checked when the field loses focus). */
  const [fileOk, setFileOk] = useState<string>();
  const [checking, setChecking] = useState(false);
  /** The path being checked: an answer for an older value is dropped. */
  const checkingPath = useRef<string | undefined>(undefined);

  /** Runs the gateway's file check (the same as on create) when the field loses focus. */
  const checkFile = async (value: string) => {
    const path = value.trim();
    if (!path) return;
    checkingPath.current = path;
    setChecking(true);
    try {
      const checked = await sendJson<{ model_file: string }>('POST', '/bodhi/v1/aliases/check-file', { model_file: path });
      if (checkingPath.current !== path) return;
      setErrors((e) => ({ ...e, model_file: undefined }));
      setFileOk(checked.model_file);
    } catch (err) {
      if (checkingPath.current !== path) return;
      setFileOk(undefined);
      if (err instanceof ApiError && err.param === 'model_file') setErrors((e) => ({ ...e, model_file: err.message }));
    } finally {
      if (checkingPath.current === path) setChecking(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setFormError(undefined);
    const size = contextSize.trim();
    if (size !== '' && !/^\d+$/.test(size)) {
      setErrors({ context_size: 'Context size must be a whole number of tokens, or empty for the default.' });
      return;
    }
    setBusy(true);
    try {
      const created = await sendJson<LocalAlias>('POST', '/bodhi/v1/aliases', {
        name: name.trim(),
        model_file: modelFile.trim(),
        ...(size ? { context_size: Number(size) } : {}),
      });
      setName('');
      setModelFile('');
      setFileOk(undefined);
      setContextSize('');
      onAdded(created);
    } catch (err) {
      if (err instanceof ApiError && err.param && FIELDS.includes(err.param)) setErrors({ [err.param]: err.message });
      else setFormError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card form" onSubmit={submit} noValidate aria-labelledby="add-alias-title">
      <h2 id="add-alias-title">Add a local alias</h2>
      {formError && <Notice kind="error">{formError}</Notice>}
      <div className="grid-alias">
        <Field label="Name" required error={errors.name} hint="The model id clients send.">
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" placeholder="llama3" />}
        </Field>
        <Field
          label="Model file"
          required
          error={errors.model_file}
          hint={checking ? 'Checking the file…' : fileOk && !errors.model_file ? <span className="ok">A readable GGUF model.</span> : 'Path of a .gguf file on the gateway host; checked when you leave the field.'}
        >
          {(p) => (
            <input
              {...p}
              value={modelFile}
              onChange={(e) => {
                setModelFile(e.target.value);
                setFileOk(undefined);
              }}
              onBlur={(e) => void checkFile(e.target.value)}
              autoComplete="off"
              spellCheck={false}
              placeholder="/models/llama-3.2-1b-instruct.Q4_K_M.gguf"
            />
          )}
        </Field>
        <Field label="Context size" error={errors.context_size} hint="Tokens; empty for the default.">
          {(p) => <input {...p} inputMode="numeric" value={contextSize} onChange={(e) => setContextSize(e.target.value)} autoComplete="off" placeholder="4096" />}
        </Field>
      </div>
      <div className="form-actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Checking the file…' : 'Add local alias'}
        </button>
      </div>
    </form>
  );
}

export function LocalAliases() {
  const { data, error, loading, reload } = useLoad(() => getJson<List<LocalAlias>>('/bodhi/v1/aliases'));
  const { confirming, setConfirming, actionError, done, setDone, run } = useRowAction(reload);

  const remove = (alias: LocalAlias) =>
    run(() => sendJson('DELETE', `/bodhi/v1/aliases/${encodeURIComponent(alias.id)}`), `Removed local alias '${alias.name}'. The model file itself is untouched.`);

  const aliases = data?.data ?? [];
  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Local Aliases</h1>
          <p className="muted">
            GGUF models the gateway runs itself with llama.cpp, for <code>/v1/chat/completions</code> and <code>/v1/embeddings</code>.
          </p>
        </div>
      </div>
      <AddAlias
        onAdded={(alias) => {
          setDone(`Added local alias '${alias.name}'. Clients can call it as model '${alias.name}' now; it loads on first use.`);
          reload();
        }}
      />
      {done && <Notice kind="success">{done}</Notice>}
      {(error || actionError) && <Notice kind="error">{actionError ?? error?.message}</Notice>}
      {loading && !data && <Loading what="local aliases" />}
      {data && aliases.length === 0 && <EmptyState title="No local aliases yet">Add one above for each GGUF model file you want to serve.</EmptyState>}
      {aliases.length > 0 && (
        <div className="table-wrap">
          <table className="table">
            <caption className="visually-hidden">Local aliases</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Model file</th>
                <th scope="col">Context size</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {aliases.map((a) => (
                <tr key={a.id}>
                  <td data-label="Name">
                    <code className="model-id"><Breakable text={a.name} /></code>
                  </td>
                  <td data-label="Model file">
                    <Breakable className="mono small" text={a.model_file} />
                  </td>
                  <td data-label="Context size">{a.context_size === null ? <Badge tone="grey">default</Badge> : a.context_size.toLocaleString()}</td>
                  <td data-label="Created">{formatDate(a.created_at)}</td>
                  <td className="actions">
                    <ConfirmAction verb="Remove" name={a.name} confirming={confirming === a.id} onAsk={() => setConfirming(a.id)} onCancel={() => setConfirming(undefined)} onConfirm={() => remove(a)} />
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
