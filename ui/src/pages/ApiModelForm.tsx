// Create or edit an API model. The key is write-only: the page only knows whether one is set.
// "Fetch models" and "Test connection" run on the gateway, which uses the stored key when none
// is typed, so the key never comes to the browser. Both use the chosen format's own API: its
// model list and key header (Bearer, Anthropic's x-api-key, Gemini's x-goog-api-key).
import { useEffect, useState, type FormEvent, type KeyboardEvent } from 'react';
import { ApiError, FORMAT_HELP, WEBSOCKET_AUTO_HOST, formatLabel, getJson, sendJson, type ApiFormat, type ApiModel, type ConnectionResult } from '../api';
import { Field } from '../components/Field';
import { Loading, Notice } from '../components/Notice';
import { errorText } from '../format';
import { linkTo, navigate } from '../router';
import { useFormats } from '../useFormats';
import { useLoad } from '../useLoad';

type KeyMode = 'keep' | 'replace' | 'clear';
type WebsocketMode = 'auto' | 'on' | 'off';

const WEBSOCKET_MODES: { value: WebsocketMode; label: string; stored: boolean | null }[] = [
  { value: 'auto', label: `Automatic (on for ${WEBSOCKET_AUTO_HOST})`, stored: null },
  { value: 'on', label: 'On', stored: true },
  { value: 'off', label: 'Off', stored: false },
];
const websocketModeOf = (stored: boolean | null): WebsocketMode => (stored === null ? 'auto' : stored ? 'on' : 'off');

/** What "Automatic" means for a base URL: on iff its host is api.openai.com (as the gateway decides). */
function autoWebsocket(baseUrl: string): boolean {
  try {
    return new URL(baseUrl.trim()).hostname.toLowerCase() === WEBSOCKET_AUTO_HOST;
  } catch {
    return false;
  }
}
type Errors = Partial<Record<string, string>>;

interface Draft {
  name: string;
  api_format: ApiFormat;
  base_url: string;
  prefix: string;
  forward_all: boolean;
  models: string[];
  openai_organization: string;
  openai_project: string;
  websocket: WebsocketMode;
}

/** A new API model's format, if the gateway offers it (else its first format): the Responses API is the one to start with. */
const PREFERRED_FORMAT: ApiFormat = 'openai_responses';
const EMPTY: Draft = { name: '', api_format: PREFERRED_FORMAT, base_url: FORMAT_HELP[PREFERRED_FORMAT]?.baseUrl ?? '', prefix: '', forward_all: false, models: [], openai_organization: '', openai_project: '', websocket: 'auto' };
const FIELDS = new Set(['name', 'api_format', 'base_url', 'api_key', 'prefix', 'forward_all', 'models', 'openai_organization', 'openai_project', 'websocket']);

export function ApiModelForm({ id }: { id?: string }) {
  const editing = id !== undefined;
  const existing = useLoad(() => (editing ? getJson<ApiModel>(`/bodhi/v1/api-models/${encodeURIComponent(id)}`) : Promise.resolve(undefined)));
  const formats = useFormats();

  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [hasKey, setHasKey] = useState(false);
  const [keyMode, setKeyMode] = useState<KeyMode>(editing ? 'keep' : 'replace');
  const [apiKey, setApiKey] = useState('');
  const [newModel, setNewModel] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string>();
  const [saving, setSaving] = useState(false);
  const [fetched, setFetched] = useState<string[]>();
  const [fetching, setFetching] = useState(false);
  const [testing, setTesting] = useState(false);
  const [test, setTest] = useState<ConnectionResult>();

  useEffect(() => {
    const m = existing.data;
    if (!m) return;
    setDraft({
      name: m.name,
      api_format: m.api_format,
      base_url: m.base_url,
      prefix: m.prefix ?? '',
      forward_all: m.forward_all,
      models: m.models,
      openai_organization: m.openai_organization ?? '',
      openai_project: m.openai_project ?? '',
      websocket: websocketModeOf(m.websocket),
    });
    setHasKey(m.has_api_key);
    setKeyMode(m.has_api_key ? 'keep' : 'replace');
  }, [existing.data]);

  useEffect(() => {
    const offered = formats.data;
    if (!editing && offered?.[0] && !offered.some((f) => f.id === draft.api_format)) changeFormat(offered[0].id);
  }, [formats.data]);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };

  /** A new format brings its provider's base URL, unless the user typed one of their own. */
  const changeFormat = (format: ApiFormat) => {
    setDraft((d) => {
      const url = d.base_url.trim().replace(/\/+$/, '');
      const untouched = url === '' || Object.values(FORMAT_HELP).some((h) => h?.baseUrl === url);
      return { ...d, api_format: format, base_url: untouched ? (FORMAT_HELP[format]?.baseUrl ?? d.base_url) : d.base_url };
    });
    setErrors((e) => ({ ...e, api_format: undefined, base_url: undefined }));
    setFetched(undefined);
    setTest(undefined);
  };
  const help = FORMAT_HELP[draft.api_format];
  const openaiAccount = help?.openaiAccount ?? false;
  const hasWebsocket = help?.websocket ?? false;

  /** How the gateway should find the key for fetch/test: typed, cleared, or the stored one. */
  const credentials = (): { api_key?: string | null; api_model_id?: string } => {
    if (keyMode === 'replace' && apiKey.trim()) return { api_key: apiKey.trim() };
    if (keyMode === 'clear') return { api_key: null };
    if (editing && hasKey) return { api_model_id: existing.data?.id ?? id };
    return {};
  };

  /** The billed OpenAI organization and project, as the upstream gets them (none for formats without them). */
  const billing = () =>
    openaiAccount
      ? { openai_organization: draft.openai_organization.trim() || null, openai_project: draft.openai_project.trim() || null }
      : { openai_organization: null, openai_project: null };

  /** Puts an API error next to the field it names, else above the form. */
  const showError = (err: unknown, fallback: (message: string) => void) => {
    if (err instanceof ApiError && err.param && FIELDS.has(err.param)) setErrors((e) => ({ ...e, [err.param!]: err.message }));
    else fallback(errorText(err));
  };

  const addModel = (raw: string) => {
    const ids = raw.split(/[\s,]+/).filter(Boolean);
    if (ids.length === 0) return;
    set('models', [...draft.models, ...ids.filter((m) => !draft.models.includes(m))]);
    setNewModel('');
  };
  const toggleModel = (m: string) => set('models', draft.models.includes(m) ? draft.models.filter((x) => x !== m) : [...draft.models, m]);

  const fetchModels = async () => {
    setFetching(true);
    setErrors((e) => ({ ...e, models: undefined, base_url: undefined, api_key: undefined }));
    try {
      const result = await sendJson<{ models: string[] }>('POST', '/bodhi/v1/api-models/fetch-models', {
        api_format: draft.api_format,
        base_url: draft.base_url,
        ...credentials(),
        ...billing(),
      });
      setFetched(result.models);
    } catch (err) {
      setFetched(undefined);
      showError(err, (message) => setErrors((e) => ({ ...e, models: message })));
    } finally {
      setFetching(false);
    }
  };

  const testConnection = async () => {
    setTesting(true);
    setTest(undefined);
    try {
      const model = draft.models[0];
      const result = await sendJson<ConnectionResult>('POST', '/bodhi/v1/api-models/test', {
        api_format: draft.api_format,
        base_url: draft.base_url,
        ...credentials(),
        ...billing(),
        ...(model ? { model } : {}),
      });
      setTest(result);
    } catch (err) {
      showError(err, (message) => setTest({ success: false, status: null, message, latency_ms: 0 }));
    } finally {
      setTesting(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(undefined);
    setErrors({});
    if (keyMode === 'replace' && editing && hasKey && !apiKey.trim()) {
      setErrors({ api_key: 'Enter the new key, or choose "Keep" to leave the stored key as it is.' });
      return;
    }
    const body: Record<string, unknown> = {
      name: draft.name.trim(),
      api_format: draft.api_format,
      base_url: draft.base_url.trim(),
      prefix: draft.prefix.trim() || null,
      forward_all: draft.forward_all,
      models: draft.models,
      ...billing(),
      // Only the formats with the setting store it; the others are always automatic (off).
      websocket: hasWebsocket ? (WEBSOCKET_MODES.find((m) => m.value === draft.websocket)?.stored ?? null) : null,
    };
    if (keyMode === 'clear') body.api_key = null;
    else if (keyMode === 'replace' && apiKey.trim()) body.api_key = apiKey.trim();
    setSaving(true);
    try {
      if (editing) await sendJson('PUT', `/bodhi/v1/api-models/${encodeURIComponent(existing.data?.id ?? id)}`, body);
      else await sendJson('POST', '/bodhi/v1/api-models', body);
      navigate('/api-models');
    } catch (err) {
      showError(err, setFormError);
    } finally {
      setSaving(false);
    }
  };

  if (editing && existing.loading && !existing.data) return <Loading what="the API model" />;
  if (formats.loading && !formats.data) return <Loading what="the API formats" />;
  const loadError = (editing ? existing.error : undefined) ?? (formats.data ? undefined : formats.error);
  if (loadError) {
    return (
      <section>
        <h1>API model</h1>
        <Notice kind="error">{loadError.message}</Notice>
        <p>
          <a {...linkTo('/api-models')}>Back to API Models</a>
        </p>
      </section>
    );
  }

  const formatOptions = formats.data ?? [];
  const onModelKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      addModel(newModel);
    }
  };

  return (
    <section>
      <p className="crumbs">
        <a {...linkTo('/api-models')}>API Models</a> <span aria-hidden="true">/</span> {editing ? existing.data?.name : 'New'}
      </p>
      <h1>{editing ? `Edit ${existing.data?.name ?? 'API model'}` : 'Add an API model'}</h1>
      <form className="card form" onSubmit={submit} noValidate>
        {formError && <Notice kind="error">{formError}</Notice>}
        <div className="grid-2">
          <Field label="Name" required error={errors.name} hint="Letters, digits, '.', '_' or '-'. Used in logs and the CLI.">
            {(p) => <input {...p} value={draft.name} onChange={(e) => set('name', e.target.value)} autoComplete="off" placeholder="openai-responses" />}
          </Field>
          <Field label="API format" required error={errors.api_format} hint={help ? `${formatLabel(formats.data, draft.api_format)} models serve ${help.serves}.` : 'Which API the upstream speaks.'}>
            {(p) => (
              <select {...p} value={draft.api_format} onChange={(e) => changeFormat(e.target.value)}>
                {formatOptions.map((f) => (
                  <option key={f.id} value={f.id}>
                    {f.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <Field
          label="Base URL"
          required
          error={errors.base_url}
          hint={help ? `As the provider documents it. Paths such as ${help.paths} are added to it.` : 'Paths such as /models are added to it.'}
        >
          {(p) => <input {...p} type="url" value={draft.base_url} onChange={(e) => set('base_url', e.target.value)} autoComplete="off" spellCheck={false} />}
        </Field>

        {editing ? (
          <fieldset className="field keybox">
            <legend>API key</legend>
            <p className="key-status">
              Stored key: {hasKey ? <strong className="ok">set</strong> : <strong className="muted">not set</strong>}
            </p>
            <div className="segmented" role="radiogroup" aria-label="What to do with the API key">
              {(hasKey ? (['keep', 'replace', 'clear'] as const) : (['keep', 'replace'] as const)).map((mode) => (
                <label key={mode} className={keyMode === mode ? 'selected' : ''}>
                  <input type="radio" name="key-mode" value={mode} checked={keyMode === mode} onChange={() => setKeyMode(mode)} />
                  {mode === 'keep' ? (hasKey ? 'Keep' : 'No key') : mode === 'replace' ? (hasKey ? 'Replace' : 'Set a key') : 'Clear'}
                </label>
              ))}
            </div>
            {keyMode === 'replace' && (
              <Field label={hasKey ? 'New API key' : 'API key'} error={errors.api_key} hint="Write-only: stored encrypted and never shown again.">
                {(p) => <input {...p} type="password" value={apiKey} onChange={(e) => setApiKey(e.target.value)} autoComplete="new-password" spellCheck={false} />}
              </Field>
            )}
            {keyMode === 'clear' && <p className="hint">The stored key is removed when you save. Requests then go upstream without a key.</p>}
            {keyMode !== 'replace' && errors.api_key && (
              <p className="field-error" role="alert">
                {errors.api_key}
              </p>
            )}
          </fieldset>
        ) : (
          <Field label="API key" error={errors.api_key} hint="Write-only: stored encrypted and never shown again. Leave empty for an upstream that needs none.">
            {(p) => <input {...p} type="password" value={apiKey} onChange={(e) => setApiKey(e.target.value)} autoComplete="new-password" spellCheck={false} />}
          </Field>
        )}

        <div className="grid-2">
          <Field label="Prefix" error={errors.prefix} hint={'Optional. Clients call models as prefix + id, e.g. "res/gpt-5".'}>
            {(p) => <input {...p} value={draft.prefix} onChange={(e) => set('prefix', e.target.value)} autoComplete="off" spellCheck={false} placeholder="res/" />}
          </Field>
          <div className="field checkbox-field">
            <label>
              <input type="checkbox" checked={draft.forward_all} onChange={(e) => set('forward_all', e.target.checked)} /> Forward all
            </label>
            <p className="hint">Forward every model id that starts with the prefix, listed or not.</p>
          </div>
        </div>

        {openaiAccount && (
          <div className="grid-2">
            <Field label="OpenAI organization" error={errors.openai_organization} hint="Optional. Sent upstream as OpenAI-Organization; clients cannot set it.">
              {(p) => <input {...p} value={draft.openai_organization} onChange={(e) => set('openai_organization', e.target.value)} autoComplete="off" spellCheck={false} placeholder="org-..." />}
            </Field>
            <Field label="OpenAI project" error={errors.openai_project} hint="Optional. Sent upstream as OpenAI-Project; clients cannot set it.">
              {(p) => <input {...p} value={draft.openai_project} onChange={(e) => set('openai_project', e.target.value)} autoComplete="off" spellCheck={false} placeholder="proj_..." />}
            </Field>
          </div>
        )}

        {hasWebsocket && (
          <Field
            label="WebSocket mode"
            error={errors.websocket}
            hint={
              draft.websocket === 'auto'
                ? `Whether the upstream serves the Responses API over WebSocket. Automatic: ${autoWebsocket(draft.base_url) ? 'on' : 'off'} for this base URL.`
                : 'Whether the upstream serves the Responses API over WebSocket.'
            }
          >
            {(p) => (
              <select {...p} value={draft.websocket} onChange={(e) => set('websocket', e.target.value as WebsocketMode)}>
                {WEBSOCKET_MODES.map((m) => (
                  <option key={m.value} value={m.value}>
                    {m.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}

        <fieldset className={`field${errors.models ? ' field--invalid' : ''}`}>
          <legend>Models</legend>
          {draft.models.length > 0 ? (
            <ul className="chips chips--editable" aria-label="Selected models">
              {draft.models.map((m) => (
                <li key={m} className="chip">
                  <code>{(draft.prefix || '') + m}</code>
                  <button type="button" className="chip-remove" onClick={() => toggleModel(m)} aria-label={`Remove ${m}`}>
                    ×
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p className="hint">No models selected yet: add ids below or fetch them from the upstream.</p>
          )}
          <div className="inline">
            <label className="visually-hidden" htmlFor="new-model">
              Model id to add
            </label>
            <input id="new-model" value={newModel} onChange={(e) => setNewModel(e.target.value)} onKeyDown={onModelKey} placeholder={help?.exampleModel ?? 'model-id'} autoComplete="off" spellCheck={false} />
            <button type="button" className="button" onClick={() => addModel(newModel)}>
              Add
            </button>
            <button type="button" className="button" onClick={fetchModels} disabled={fetching}>
              {fetching ? 'Fetching…' : 'Fetch models'}
            </button>
          </div>
          {errors.models && (
            <p className="field-error" role="alert">
              {errors.models}
            </p>
          )}
          {fetched && (
            <div className="fetched">
              <div className="fetched-head">
                <span>
                  {fetched.length} model{fetched.length === 1 ? '' : 's'} available upstream
                </span>
                {fetched.length > 0 && (
                  <button type="button" className="button button--small button--quiet" onClick={() => set('models', [...new Set([...draft.models, ...fetched])])}>
                    Select all
                  </button>
                )}
              </div>
              <ul className="fetched-list" aria-label="Models available upstream">
                {fetched.map((m) => (
                  <li key={m}>
                    <label>
                      <input type="checkbox" checked={draft.models.includes(m)} onChange={() => toggleModel(m)} /> <code>{m}</code>
                    </label>
                  </li>
                ))}
              </ul>
            </div>
          )}
        </fieldset>

        <div className="test-row">
          <button type="button" className="button" onClick={testConnection} disabled={testing}>
            {testing ? 'Testing…' : 'Test connection'}
          </button>
          <span className="hint">{draft.models[0] ? `Sends a one-line prompt to ${draft.models[0]}.` : 'Lists the upstream models.'}</span>
        </div>
        {test && (
          <Notice kind={test.success ? 'success' : 'error'} title={test.success ? undefined : test.status ? `The upstream answered ${test.status}:` : 'Connection failed:'}>
            {test.message}
            {test.latency_ms > 0 && <span className="muted"> ({test.latency_ms} ms)</span>}
          </Notice>
        )}

        <div className="form-actions">
          <button type="submit" className="button button--primary" disabled={saving}>
            {saving ? 'Saving…' : editing ? 'Save changes' : 'Create API model'}
          </button>
          <a className="button button--quiet" {...linkTo('/api-models')}>
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}
