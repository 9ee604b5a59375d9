// Create or edit a router: its name, strategy, the ordered targets (API model + the model id
// its upstream gets, weight, enabled) and the retry and health settings. Saving sends every
// field (PUT replaces the targets as a whole list); the gateway checks the rest and names the
// field that is wrong, shown next to it as on the API model form.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { ApiError, formatLabel, getJson, ROUTER_DEFAULTS, sendJson, type ApiModel, type List, type Router, type RouterStrategy } from '../api';
import { Field } from '../components/Field';
import { Loading, Notice } from '../components/Notice';
import { Segmented } from '../components/Segmented';
import { errorText } from '../format';
import { linkTo, navigate } from '../router';
import { useFormats } from '../useFormats';
import { useLoad } from '../useLoad';
import { STRATEGY_LABELS } from './Routers';

type Errors = Partial<Record<string, string>>;

interface TargetDraft {
  /** Stable across moves, for React. */
  key: number;
  /** The API model's id (the gateway takes a name or an id). */
  api_model: string;
  model: string;
  weight: string;
  enabled: boolean;
}

type NumberSetting = 'failure_threshold' | 'failure_window_ms' | 'cooldown_ms' | 'max_retry_after_ms';

interface Draft {
  name: string;
  strategy: RouterStrategy;
  targets: TargetDraft[];
  retry_on_status: string;
  max_attempts: string;
  failure_threshold: string;
  failure_window_ms: string;
  cooldown_ms: string;
  max_retry_after_ms: string;
}

const STRATEGIES = [
  { id: 'fallback', label: STRATEGY_LABELS.fallback },
  { id: 'weighted', label: STRATEGY_LABELS.weighted },
] as const;

const FIELDS = new Set(['name', 'strategy', 'targets', 'retry_on_status', 'max_attempts', 'failure_threshold', 'failure_window_ms', 'cooldown_ms', 'max_retry_after_ms']);

const NUMBER_SETTINGS: { key: NumberSetting; label: string; hint: string }[] = [
  { key: 'failure_threshold', label: 'Failure threshold', hint: `Failures within the window that start a cooldown (default ${ROUTER_DEFAULTS.failure_threshold}).` },
  { key: 'failure_window_ms', label: 'Failure window (ms)', hint: `Default ${ROUTER_DEFAULTS.failure_window_ms}.` },
  { key: 'cooldown_ms', label: 'Cooldown (ms)', hint: `How long a failing target is skipped before one trial call (default ${ROUTER_DEFAULTS.cooldown_ms}).` },
  {
    key: 'max_retry_after_ms',
    label: 'Max retry-after (ms)',
    hint: `A target answering with retry-after is skipped that long, up to this (default ${ROUTER_DEFAULTS.max_retry_after_ms}).`,
  },
];

const emptyDraft = (): Draft => ({
  name: '',
  strategy: ROUTER_DEFAULTS.strategy,
  targets: [],
  retry_on_status: ROUTER_DEFAULTS.retry_on_status.join(', '),
  max_attempts: '',
  failure_threshold: String(ROUTER_DEFAULTS.failure_threshold),
  failure_window_ms: String(ROUTER_DEFAULTS.failure_window_ms),
  cooldown_ms: String(ROUTER_DEFAULTS.cooldown_ms),
  max_retry_after_ms: String(ROUTER_DEFAULTS.max_retry_after_ms),
});

const WHOLE = /^\d+$/;

export function RouterForm({ id }: { id?: string }) {
  const editing = id !== undefined;
  const existing = useLoad(() => (editing ? getJson<Router>(`/bodhi/v1/routers/${encodeURIComponent(id)}`) : Promise.resolve(undefined)));
  const apiModels = useLoad(() => getJson<List<ApiModel>>('/bodhi/v1/api-models'));
  const formats = useFormats();
  const listId = useId();
  const nextKey = useRef(1);
  const newTarget = (init: Partial<Omit<TargetDraft, 'key'>> = {}): TargetDraft => ({ key: nextKey.current++, api_model: '', model: '', weight: '1', enabled: true, ...init });

  const [draft, setDraft] = useState<Draft>(() => ({ ...emptyDraft(), targets: editing ? [] : [newTarget()] }));
  const [errors, setErrors] = useState<Errors>({});
  const [formError, setFormError] = useState<string>();
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    const r = existing.data;
    if (!r) return;
    setDraft({
      name: r.name,
      strategy: r.strategy,
      targets: r.targets.map((t) => newTarget({ api_model: t.api_model_id, model: t.model, weight: String(t.weight), enabled: t.enabled })),
      retry_on_status: r.retry_on_status.join(', '),
      max_attempts: r.max_attempts === null ? '' : String(r.max_attempts),
      failure_threshold: String(r.failure_threshold),
      failure_window_ms: String(r.failure_window_ms),
      cooldown_ms: String(r.cooldown_ms),
      max_retry_after_ms: String(r.max_retry_after_ms),
    });
  }, [existing.data]);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((d) => ({ ...d, [key]: value }));
    setErrors((e) => ({ ...e, [key]: undefined }));
  };

  const models = apiModels.data?.data ?? [];
  const modelById = (apiModelId: string) => models.find((m) => m.id === apiModelId);

  const setTarget = (key: number, change: Partial<TargetDraft>) => {
    setDraft((d) => ({ ...d, targets: d.targets.map((t) => (t.key === key ? { ...t, ...change } : t)) }));
    setErrors((e) => ({ ...e, targets: undefined }));
  };
  /** A newly chosen API model suggests its first listed model when none is typed yet. */
  const chooseApiModel = (target: TargetDraft, apiModelId: string) =>
    setTarget(target.key, { api_model: apiModelId, model: target.model.trim() ? target.model : (modelById(apiModelId)?.models[0] ?? '') });
  const addTarget = () => {
    setDraft((d) => ({ ...d, targets: [...d.targets, newTarget()] }));
    setErrors((e) => ({ ...e, targets: undefined }));
  };
  const removeTarget = (key: number) => {
    setDraft((d) => ({ ...d, targets: d.targets.filter((t) => t.key !== key) }));
    setErrors((e) => ({ ...e, targets: undefined }));
  };
  const moveTarget = (index: number, by: -1 | 1) => {
    setDraft((d) => {
      const to = index + by;
      if (to < 0 || to >= d.targets.length) return d;
      const targets = [...d.targets];
      [targets[index], targets[to]] = [targets[to]!, targets[index]!];
      return { ...d, targets };
    });
    setErrors((e) => ({ ...e, targets: undefined }));
  };

  /** Puts an API error next to the field it names, else above the form. */
  const showError = (err: unknown) => {
    if (err instanceof ApiError && err.param && FIELDS.has(err.param)) setErrors({ [err.param]: err.message });
    else setFormError(errorText(err));
  };

  /** The body, or the errors of fields that are not numbers at all (ranges are the gateway's to check). */
  const build = (): { body?: Record<string, unknown>; errors: Errors } => {
    const found: Errors = {};
    const statuses = draft.retry_on_status.split(/[\s,]+/).filter(Boolean);
    if (statuses.some((s) => !WHOLE.test(s))) found.retry_on_status = 'Retry on status must be HTTP statuses separated by commas, e.g. 429, 500, 503.';
    const maxAttempts = draft.max_attempts.trim();
    if (maxAttempts && !WHOLE.test(maxAttempts)) found.max_attempts = 'Max attempts must be a whole number, or empty for one try per target.';
    const numbers: Partial<Record<NumberSetting, number>> = {};
    for (const { key, label } of NUMBER_SETTINGS) {
      const raw = draft[key].trim();
      if (!WHOLE.test(raw)) found[key] = `${label} must be a whole number.`;
      else numbers[key] = Number(raw);
    }
    const badWeight = draft.targets.findIndex((t) => !WHOLE.test(t.weight.trim()));
    if (badWeight >= 0) found.targets = `Target ${badWeight + 1}: the weight must be a whole number from 0 to 1000.`;
    if (Object.keys(found).length > 0) return { errors: found };
    return {
      errors: {},
      body: {
        name: draft.name.trim(),
        strategy: draft.strategy,
        targets: draft.targets.map((t) => ({ api_model: t.api_model, model: t.model.trim(), weight: Number(t.weight.trim()), enabled: t.enabled })),
        retry_on_status: statuses.map(Number),
        max_attempts: maxAttempts ? Number(maxAttempts) : null,
        ...numbers,
      },
    };
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFormError(undefined);
    const { body, errors: found } = build();
    setErrors(found);
    if (!body) return;
    setSaving(true);
    try {
      if (editing) await sendJson('PUT', `/bodhi/v1/routers/${encodeURIComponent(existing.data?.id ?? id)}`, body);
      else await sendJson('POST', '/bodhi/v1/routers', body);
      navigate('/routers');
    } catch (err) {
      showError(err);
    } finally {
      setSaving(false);
    }
  };

  if (editing && existing.loading && !existing.data) return <Loading what="the router" />;
  if ((apiModels.loading && !apiModels.data) || (formats.loading && !formats.data)) return <Loading what="the API models" />;
  const loadError = (editing ? existing.error : undefined) ?? apiModels.error;
  if (loadError) {
    return (
      <section>
        <h1>Router</h1>
        <Notice kind="error">{loadError.message}</Notice>
        <p>
          <a {...linkTo('/routers')}>Back to Routers</a>
        </p>
      </section>
    );
  }

  // API models grouped by format: a router's targets all share one.
  const byFormat = new Map<string, ApiModel[]>();
  for (const m of models) byFormat.set(m.api_format, [...(byFormat.get(m.api_format) ?? []), m]);
  const formatsUsed = new Set(draft.targets.map((t) => modelById(t.api_model)?.api_format).filter((f): f is string => f !== undefined));
  const count = draft.targets.length;

  return (
    <section>
      <p className="crumbs">
        <a {...linkTo('/routers')}>Routers</a> <span aria-hidden="true">/</span> {editing ? existing.data?.name : 'New'}
      </p>
      <h1>{editing ? `Edit ${existing.data?.name ?? 'router'}` : 'Add a router'}</h1>
      <form className="card form" onSubmit={submit} noValidate>
        {formError && <Notice kind="error">{formError}</Notice>}
        {models.length === 0 && (
          <Notice kind="info">
            A router sends calls to API models: <a {...linkTo('/api-models/new')}>add an API model</a> first.
          </Notice>
        )}
        <div className="grid-2">
          <Field label="Name" required error={errors.name} hint="The model id clients send, e.g. team-default. It must not be a model id something else serves.">
            {(p) => <input {...p} value={draft.name} onChange={(e) => set('name', e.target.value)} autoComplete="off" spellCheck={false} placeholder="team-default" />}
          </Field>
          <fieldset className={`field field--bare${errors.strategy ? ' field--invalid' : ''}`}>
            <legend>Strategy</legend>
            <Segmented label="Strategy" options={STRATEGIES} value={draft.strategy} onChange={(v) => set('strategy', v)} />
            <p className="hint">
              {draft.strategy === 'fallback' ? 'The first healthy target in order takes each call.' : 'Healthy targets share calls by weight.'} Either falls back to the others on failure.
            </p>
            {errors.strategy && (
              <p className="field-error" role="alert">
                {errors.strategy}
              </p>
            )}
          </fieldset>
        </div>

        <fieldset className={`field${errors.targets ? ' field--invalid' : ''}`}>
          <legend>Targets</legend>
          <p className="hint">
            In fallback order, all of one API format{formatsUsed.size === 1 ? ` (here ${formatLabel(formats.data, [...formatsUsed][0]!)})` : ''}. The upstream model is the id the API model&apos;s
            upstream gets in place of the router&apos;s name; it need not be one the API model lists.
          </p>
          {count === 0 ? (
            <p className="hint">No targets yet: add one below.</p>
          ) : (
            <ol className="target-rows" aria-label="Targets">
              {draft.targets.map((t, i) => {
                const n = i + 1;
                const chosen = modelById(t.api_model);
                return (
                  <li key={t.key} className="target-row">
                    <span className="target-index" aria-hidden="true">
                      {n}
                    </span>
                    <label className="target-field target-field--api">
                      <span className="target-label">API model</span>
                      <select value={t.api_model} onChange={(e) => chooseApiModel(t, e.target.value)} aria-label={`Target ${n} API model`}>
                        <option value="">Choose an API model</option>
                        {t.api_model && !chosen && <option value={t.api_model}>{existing.data?.targets.find((x) => x.api_model_id === t.api_model)?.api_model ?? t.api_model} (missing)</option>}
                        {[...byFormat].map(([format, list]) => (
                          <optgroup key={format} label={formatLabel(formats.data, format)}>
                            {list.map((m) => (
                              <option key={m.id} value={m.id}>
                                {m.name}
                              </option>
                            ))}
                          </optgroup>
                        ))}
                      </select>
                    </label>
                    <label className="target-field target-field--model">
                      <span className="target-label">Upstream model</span>
                      <input
                        value={t.model}
                        onChange={(e) => setTarget(t.key, { model: e.target.value })}
                        list={chosen && chosen.models.length > 0 ? `${listId}-${t.key}` : undefined}
                        aria-label={`Target ${n} upstream model`}
                        autoComplete="off"
                        spellCheck={false}
                        placeholder={chosen?.models[0] ?? 'model-id'}
                      />
                      {chosen && chosen.models.length > 0 && (
                        <datalist id={`${listId}-${t.key}`}>
                          {chosen.models.map((m) => (
                            <option key={m} value={m} />
                          ))}
                        </datalist>
                      )}
                    </label>
                    <label className="target-field target-field--weight">
                      <span className="target-label">Weight</span>
                      <input type="number" min={0} max={1000} step={1} inputMode="numeric" value={t.weight} onChange={(e) => setTarget(t.key, { weight: e.target.value })} aria-label={`Target ${n} weight`} />
                    </label>
                    <label className="checkbox target-field--enabled">
                      <input type="checkbox" checked={t.enabled} onChange={(e) => setTarget(t.key, { enabled: e.target.checked })} aria-label={`Target ${n} enabled`} /> Enabled
                    </label>
                    <span className="target-buttons">
                      <button type="button" className="button button--small button--quiet" onClick={() => moveTarget(i, -1)} disabled={i === 0} aria-label={`Move target ${n} up`} title="Move up">
                        ↑
                      </button>
                      <button type="button" className="button button--small button--quiet" onClick={() => moveTarget(i, 1)} disabled={i === count - 1} aria-label={`Move target ${n} down`} title="Move down">
                        ↓
                      </button>
                      <button type="button" className="button button--small button--quiet" onClick={() => removeTarget(t.key)} aria-label={`Remove target ${n}`} title="Remove">
                        ×
                      </button>
                    </span>
                  </li>
                );
              })}
            </ol>
          )}
          <div className="inline">
            <button type="button" className="button" onClick={addTarget} disabled={count >= 32}>
              Add target
            </button>
            {draft.strategy === 'fallback' && count > 1 && <span className="hint">Weights only matter to the weighted strategy.</span>}
          </div>
          {errors.targets && (
            <p className="field-error" role="alert">
              {errors.targets}
            </p>
          )}
        </fieldset>

        <fieldset className="field">
          <legend>Retries and health</legend>
          <div className="grid-2">
            <Field
              label="Retry on status"
              error={errors.retry_on_status}
              hint={`Upstream statuses that move a call to the next target, separated by commas (default ${ROUTER_DEFAULTS.retry_on_status.join(', ')}). Connection errors and timeouts always do.`}
            >
              {(p) => <input {...p} value={draft.retry_on_status} onChange={(e) => set('retry_on_status', e.target.value)} autoComplete="off" spellCheck={false} />}
            </Field>
            <Field label="Max attempts" error={errors.max_attempts} hint="Targets tried per call at most (1-32). Empty: each target once.">
              {(p) => <input {...p} type="number" min={1} max={32} inputMode="numeric" value={draft.max_attempts} onChange={(e) => set('max_attempts', e.target.value)} placeholder="one per target" />}
            </Field>
            {NUMBER_SETTINGS.map(({ key, label, hint }) => (
              <Field key={key} label={label} error={errors[key]} hint={hint}>
                {(p) => <input {...p} type="number" min={0} inputMode="numeric" value={draft[key]} onChange={(e) => set(key, e.target.value)} />}
              </Field>
            ))}
          </div>
        </fieldset>

        <div className="form-actions">
          <button type="submit" className="button button--primary" disabled={saving}>
            {saving ? 'Saving…' : editing ? 'Save changes' : 'Create router'}
          </button>
          <a className="button button--quiet" {...linkTo('/routers')}>
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}
