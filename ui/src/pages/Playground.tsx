// Try a model: Responses API (streamed live, in the background with polling and cancel, or
// plain), Chat Completions, Anthropic Messages or Gemini (both streamed), each for the models
// whose format serves it, and Embeddings. Calls go to the gateway's client routes with the
// signed-in token, in the header that API's own clients use, exactly as an application's would.
// Instructions, temperature and max output tokens go in each API's own fields; the request can
// be copied as curl or as OpenAI SDK code (TypeScript, Python), token as $BODHI_TOKEN.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { call, FORMAT_OF_API, formatLabel, getJson, type CallableModel, type List } from '../api';
import { Field } from '../components/Field';
import { buildRequest, curlOf, MESSAGES_MAX_TOKENS, isEmbeddingModel, pythonOf, typescriptOf, type Api, type BuiltRequest, type Params, type RunMode, hasOpenAiSdk } from '../playground-code';
import { Badge, EmptyState, Loading, Notice } from '../components/Notice';
import { errorText } from '../format';
import { linkTo } from '../router';
import { sseEvents } from '../sse';
import { useFormats } from '../useFormats';
import { useLoad } from '../useLoad';

interface LoggedEvent {
  n: number;
  type: string;
  seq: number | undefined;
}
interface ResponseJson {
  id: string;
  status: string;
  output?: OutputItem[];
  error?: { message?: string } | null;
  usage?: { input_tokens?: number; output_tokens?: number } | null;
}
interface OutputItem {
  type: string;
  content?: { type: string; text?: string }[];
}
/** The fields of a Responses stream event the page looks at. */
interface StreamEvent {
  type?: string;
  sequence_number?: number;
  response?: ResponseJson;
  delta?: string;
  error?: { message?: string };
  message?: string;
}

/** The fields of an Anthropic Messages stream event the page looks at. */
interface MessagesEvent {
  type?: string;
  message?: { id?: string; usage?: Record<string, unknown> };
  delta?: { type?: string; text?: string; stop_reason?: string | null };
  usage?: Record<string, unknown>;
  error?: { type?: string; message?: string };
}
/** The fields of a Gemini stream chunk (a GenerateContentResponse) the page looks at. */
interface GeminiChunk {
  responseId?: string;
  candidates?: { content?: { parts?: { text?: string; thought?: boolean }[] }; finishReason?: string }[];
  usageMetadata?: Record<string, unknown>;
  error?: { message?: string; status?: string };
}

const API_LABELS: Record<Api, string> = { responses: 'Responses', chat: 'Chat Completions', messages: 'Anthropic Messages', gemini: 'Gemini', embeddings: 'Embeddings' };

type CodeKind = 'curl' | 'typescript' | 'python';
const CODE_LABELS: Record<CodeKind, string> = { curl: 'curl', typescript: 'TypeScript (openai)', python: 'Python (openai)' };

/** Where each API takes the instructions (system prompt). */
const INSTRUCTIONS_HINT: Record<Api, string> = {
  responses: 'Sent as instructions.',
  chat: 'Sent as a system message before yours.',
  messages: 'Sent as system.',
  gemini: 'Sent as systemInstruction.',
  embeddings: '',
};
const MAX_TOKENS_FIELD: Record<Api, string> = { responses: 'max_output_tokens', chat: 'max_completion_tokens', messages: 'max_tokens', gemini: 'generationConfig.maxOutputTokens', embeddings: '' };

const TERMINAL = new Set(['completed', 'failed', 'cancelled', 'incomplete']);
const POLL_MS = 1000;
const MAX_EVENTS = 300;

const outputText = (output: OutputItem[] | undefined) =>
  (output ?? [])
    .filter((item) => item.type === 'message')
    .flatMap((item) => item.content ?? [])
    .filter((part) => part.type === 'output_text')
    .map((part) => part.text ?? '')
    .join('');

/** What serves a model, in the picker: its API model, a router's targets, or "local". */
const choiceNote = (m: CallableModel): string =>
  m.router ? `router: ${m.router.targets.join(', ')}` : (m.api_model?.name ?? 'local');

const statusTone = (status: string | undefined) =>
  status === 'completed' ? 'green' : status === 'failed' ? 'red' : status === 'cancelled' || status === 'incomplete' ? 'amber' : 'blue';

export function Playground() {
  const models = useLoad(() => getJson<List<CallableModel>>('/bodhi/v1/models'));
  const formats = useFormats();
  const [api, setApi] = useState<Api>('responses');
  const [model, setModel] = useState('');
  const [input, setInput] = useState('');
  const [mode, setMode] = useState<RunMode>('stream');
  const [chatStream, setChatStream] = useState(true);
  const [instructions, setInstructions] = useState('');
  const [temperature, setTemperature] = useState('');
  const [maxTokens, setMaxTokens] = useState('');
  const [code, setCode] = useState<{ kind: CodeKind; copied: boolean }>();
  const [embedding, setEmbedding] = useState<{ size: number; first: number[]; model?: string }>();

  const [running, setRunning] = useState(false);
  const [text, setText] = useState('');
  const [events, setEvents] = useState<LoggedEvent[]>([]);
  const [responseId, setResponseId] = useState<string>();
  const [status, setStatus] = useState<string>();
  const [polls, setPolls] = useState(0);
  const [final, setFinal] = useState<unknown>();
  const [error, setError] = useState<string>();
  const [inputError, setInputError] = useState<string>();
  const abort = useRef<AbortController | null>(null);

  useEffect(() => () => abort.current?.abort(), []);

  // Local aliases answer Chat Completions and Embeddings; a router serves its targets' format,
  // like an API model. Embeddings models (see isEmbeddingModel) are offered for Embeddings only.
  const choices = (models.data?.data ?? []).filter((m) => {
    if (m.match !== 'exact') return false;
    if (api === 'embeddings') return isEmbeddingModel(m);
    if (isEmbeddingModel(m)) return false;
    return m.api_format === FORMAT_OF_API[api] || (api === 'chat' && m.kind === 'local');
  });
  useEffect(() => {
    if (!choices.some((m) => m.id === model)) setModel(choices[0]?.id ?? '');
  }, [api, models.data]);

  const reset = () => {
    setText('');
    setEvents([]);
    setResponseId(undefined);
    setStatus(undefined);
    setPolls(0);
    setFinal(undefined);
    setError(undefined);
    setEmbedding(undefined);
  };

  // What Send sends, built from the form: the copied code shows exactly this.
  const paramsError = (() => {
    if (temperature.trim() !== '' && !(Number(temperature) >= 0 && Number(temperature) <= 2)) return { temperature: 'Temperature must be a number from 0 to 2, or empty for the default.' };
    if (maxTokens.trim() !== '' && !/^[1-9]\d*$/.test(maxTokens.trim())) return { maxTokens: 'Max output tokens must be a whole number above 0, or empty for the default.' };
    return {};
  })();
  const params: Params = {
    model,
    input,
    instructions: instructions.trim() || undefined,
    temperature: temperature.trim() !== '' && !paramsError.temperature ? Number(temperature) : undefined,
    maxTokens: maxTokens.trim() !== '' && !paramsError.maxTokens ? Number(maxTokens) : undefined,
    mode,
    chatStream,
  };
  const built: BuiltRequest = buildRequest(api, params);
  const send = (req: BuiltRequest, signal: AbortSignal) =>
    call(req.path, { method: 'POST', json: req.body, signal, ...(req.tokenHeader ? { tokenHeader: req.tokenHeader } : {}), ...(req.headers ? { headers: req.headers } : {}) });

  const codeText = (kind: CodeKind) => (kind === 'curl' ? curlOf(built, location.origin) : kind === 'typescript' ? typescriptOf(built, location.origin) : pythonOf(built, location.origin));
  // The code below the buttons follows the form, so it always shows what Send would send.
  const shownCode = code && (code.kind === 'curl' || hasOpenAiSdk(built)) ? codeText(code.kind) : undefined;
  const copyCode = async (kind: CodeKind) => {
    let copied = true;
    try {
      await navigator.clipboard.writeText(codeText(kind));
    } catch {
      copied = false;
    }
    setCode({ kind, copied });
  };

  const logEvent = (type: string, seq: number | undefined) =>
    setEvents((list) => {
      const next = [...list, { n: (list.at(-1)?.n ?? 0) + 1, type, seq }];
      return next.length > MAX_EVENTS ? next.slice(-MAX_EVENTS) : next;
    });

  const finish = (response: ResponseJson) => {
    setStatus(response.status);
    setFinal(response.output ?? response);
    if (response.output) setText(outputText(response.output));
    if (response.status === 'failed' && response.error?.message) setError(response.error.message);
  };

  const streamResponses = async (signal: AbortSignal) => {
    const res = await send(built, signal);
    for await (const message of sseEvents(res)) {
      let data: StreamEvent;
      try {
        data = JSON.parse(message.data) as StreamEvent;
      } catch {
        continue;
      }
      const type = String(data.type ?? message.event ?? 'message');
      logEvent(type, data.sequence_number);
      if (type === 'response.created' || type === 'response.in_progress') {
        setResponseId(data.response?.id);
        setStatus(data.response?.status);
      } else if (type === 'response.output_text.delta') {
        setText((t) => t + String(data.delta ?? ''));
      } else if (type === 'response.completed' || type === 'response.failed' || type === 'response.incomplete') {
        if (data.response) finish(data.response);
      } else if (type === 'error') {
        setError(data.error?.message ?? data.message ?? 'The upstream sent an error event.');
      }
    }
  };

  const runBackground = async (signal: AbortSignal) => {
    const res = await send(built, signal);
    await pollResponse((await res.json()) as ResponseJson, signal);
  };

  /** The poll view: a background response's status until it ends (also opened by `?response=<id>`). */
  const pollResponse = async (first: ResponseJson, signal: AbortSignal) => {
    let response = first;
    setResponseId(response.id);
    setStatus(response.status);
    while (!TERMINAL.has(response.status)) {
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      if (signal.aborted) return;
      response = (await (await call(`/v1/responses/${encodeURIComponent(response.id)}`, { signal })).json()) as ResponseJson;
      setPolls((n) => n + 1);
      setStatus(response.status);
    }
    finish(response);
  };

  const runWait = async (signal: AbortSignal) => {
    const res = await send(built, signal);
    const response = (await res.json()) as ResponseJson;
    setResponseId(response.id);
    finish(response);
  };

  const runChat = async (signal: AbortSignal) => {
    const res = await send(built, signal);
    if (!chatStream) {
      const body = (await res.json()) as { choices?: { message?: { content?: string } }[] };
      setText(body.choices?.[0]?.message?.content ?? '');
      setFinal(body);
      setStatus('completed');
      return;
    }
    for await (const message of sseEvents(res)) {
      if (message.data === '[DONE]') {
        logEvent('[DONE]', undefined);
        setStatus('completed');
        break;
      }
      const chunk = JSON.parse(message.data) as { choices?: { delta?: { content?: string } }[] };
      logEvent('chat.completion.chunk', undefined);
      setText((t) => t + (chunk.choices?.[0]?.delta?.content ?? ''));
    }
  };

  const runMessages = async (signal: AbortSignal) => {
    // As Anthropic's SDKs send it: the key as x-api-key, with an API version.
    const res = await send(built, signal);
    let usage: Record<string, unknown> = {};
    let stopReason: string | null | undefined;
    for await (const message of sseEvents(res)) {
      let data: MessagesEvent;
      try {
        data = JSON.parse(message.data) as MessagesEvent;
      } catch {
        continue;
      }
      const type = String(data.type ?? message.event ?? 'message');
      logEvent(type, undefined);
      if (type === 'message_start') {
        setResponseId(data.message?.id);
        setStatus('in_progress');
        usage = { ...data.message?.usage };
      } else if (type === 'content_block_delta' && data.delta?.type === 'text_delta') {
        setText((t) => t + String(data.delta?.text ?? ''));
      } else if (type === 'message_delta') {
        stopReason = data.delta?.stop_reason ?? stopReason;
        usage = { ...usage, ...data.usage };
      } else if (type === 'message_stop') {
        setStatus('completed');
        setFinal({ stop_reason: stopReason ?? null, usage });
      } else if (type === 'error') {
        setStatus('failed');
        setError(data.error?.message ?? 'The upstream sent an error event.');
      }
    }
  };

  const runGemini = async (signal: AbortSignal) => {
    const res = await send(built, signal);
    let last: GeminiChunk | undefined;
    for await (const message of sseEvents(res)) {
      let chunk: GeminiChunk;
      try {
        chunk = JSON.parse(message.data) as GeminiChunk;
      } catch {
        continue;
      }
      if (chunk.error) {
        logEvent('error', undefined);
        setStatus('failed');
        setError(chunk.error.message ?? chunk.error.status ?? 'The upstream sent an error.');
        return;
      }
      last = chunk;
      const candidate = chunk.candidates?.[0];
      logEvent(candidate?.finishReason ? `chunk (${candidate.finishReason})` : 'chunk', undefined);
      if (chunk.responseId) setResponseId(chunk.responseId);
      setStatus('in_progress');
      // Thought summaries are not the answer.
      const delta = (candidate?.content?.parts ?? []).filter((part) => !part.thought).map((part) => part.text ?? '').join('');
      if (delta) setText((t) => t + delta);
    }
    setStatus('completed');
    setFinal({ finishReason: last?.candidates?.[0]?.finishReason ?? null, usageMetadata: last?.usageMetadata ?? null });
  };

  const runEmbeddings = async (signal: AbortSignal) => {
    const res = await send(built, signal);
    const body = (await res.json()) as { model?: string; data?: { embedding?: number[] | string }[]; usage?: unknown };
    const vector = body.data?.[0]?.embedding;
    if (!Array.isArray(vector)) throw new Error('The answer has no embedding vector.');
    setEmbedding({ size: vector.length, first: vector.slice(0, 8), ...(body.model ? { model: body.model } : {}) });
    setFinal({ model: body.model ?? null, vectors: body.data?.length ?? 0, usage: body.usage ?? null });
    setStatus('completed');
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!input.trim()) return setInputError('Type something to send.');
    if (paramsError.temperature || paramsError.maxTokens) return;
    setInputError(undefined);
    reset();
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    try {
      if (api === 'chat') await runChat(controller.signal);
      else if (api === 'embeddings') await runEmbeddings(controller.signal);
      else if (api === 'messages') await runMessages(controller.signal);
      else if (api === 'gemini') await runGemini(controller.signal);
      else if (mode === 'stream') await streamResponses(controller.signal);
      else if (mode === 'background') await runBackground(controller.signal);
      else await runWait(controller.signal);
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setError(errorText(err));
    } finally {
      setRunning(false);
      abort.current = null;
    }
  };

  // `/ui/playground?response=<id>` (e.g. from a Requests row) opens that response in the poll view.
  useEffect(() => {
    const id = new URLSearchParams(window.location.search).get('response');
    if (!id) return;
    setApi('responses');
    setMode('background');
    reset();
    setResponseId(id);
    const controller = new AbortController();
    abort.current = controller;
    setRunning(true);
    call(`/v1/responses/${encodeURIComponent(id)}`, { signal: controller.signal })
      .then(async (res) => pollResponse((await res.json()) as ResponseJson, controller.signal))
      .catch((err: unknown) => {
        if ((err as Error).name !== 'AbortError') setError(errorText(err));
      })
      .finally(() => {
        setRunning(false);
        if (abort.current === controller) abort.current = null;
      });
  }, []);

  const stop = () => {
    abort.current?.abort();
    setStatus((s) => (s && !TERMINAL.has(s) ? 'stopped' : s));
  };

  const cancel = async () => {
    if (!responseId) return;
    try {
      const res = await call(`/v1/responses/${encodeURIComponent(responseId)}/cancel`, { method: 'POST' });
      const response = (await res.json()) as ResponseJson;
      setStatus(response.status);
    } catch (err) {
      setError(errorText(err));
    }
  };

  if ((models.loading && !models.data) || (formats.loading && !formats.data)) return <Loading what="models" />;

  return (
    <section>
      <div className="page-head">
        <div>
          <h1>Playground</h1>
          <p className="muted">Send a request through the gateway and watch what comes back.</p>
        </div>
      </div>
      {models.error && <Notice kind="error">{models.error.message}</Notice>}
      <div className="playground">
        <form className="card form" onSubmit={submit} noValidate>
          <div className="segmented segmented--wrap" role="radiogroup" aria-label="API">
            {(Object.keys(API_LABELS) as Api[]).map((a) => (
              <label key={a} className={api === a ? 'selected' : ''}>
                <input type="radio" name="api" value={a} checked={api === a} onChange={() => setApi(a)} disabled={running} />
                {API_LABELS[a]}
              </label>
            ))}
          </div>
          {choices.length === 0 ? (
            api === 'embeddings' ? (
              <EmptyState title="No embeddings models">
                <p>
                  Embeddings models are those of <code>OpenAI - Completions</code> API models or local aliases whose id (or file) contains <code>embed</code>.
                </p>
              </EmptyState>
            ) : (
              <EmptyState title={`No ${formatLabel(formats.data, FORMAT_OF_API[api])} models`}>
                <p>
                  <a {...linkTo('/api-models/new')}>Add an API model</a> with that format first.
                </p>
              </EmptyState>
            )
          ) : (
            <Field label="Model">
              {(p) => (
                <select {...p} value={model} onChange={(e) => setModel(e.target.value)} disabled={running}>
                  {choices.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.id} ({choiceNote(m)})
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <Field label="Input" error={inputError}>
            {(p) => <textarea {...p} rows={5} value={input} onChange={(e) => setInput(e.target.value)} placeholder={api === 'embeddings' ? 'Text to embed' : 'Plan a 3-day Tokyo itinerary.'} />}
          </Field>
          {api !== 'embeddings' && (
            <>
              <Field label="Instructions" hint={INSTRUCTIONS_HINT[api]}>
                {(p) => <textarea {...p} rows={2} value={instructions} onChange={(e) => setInstructions(e.target.value)} placeholder="You are a concise travel guide." />}
              </Field>
              <div className="playground-params">
                <Field label="Temperature" error={paramsError.temperature} hint="0 to 2; empty: the model's default.">
                  {(p) => <input {...p} inputMode="decimal" value={temperature} onChange={(e) => setTemperature(e.target.value)} autoComplete="off" placeholder="1" />}
                </Field>
                <Field label="Max output tokens" error={paramsError.maxTokens} hint={<>Sent as <code>{MAX_TOKENS_FIELD[api]}</code>{api === 'messages' ? ` (default ${MESSAGES_MAX_TOKENS})` : ''}.</>}>
                  {(p) => <input {...p} inputMode="numeric" value={maxTokens} onChange={(e) => setMaxTokens(e.target.value)} autoComplete="off" placeholder={api === 'messages' ? String(MESSAGES_MAX_TOKENS) : '1024'} />}
                </Field>
              </div>
            </>
          )}
          {api === 'responses' ? (
            <fieldset className="field">
              <legend>How to run it</legend>
              <div className="radios">
                {(
                  [
                    ['stream', 'Stream', 'events and text arrive live'],
                    ['background', 'Background', 'poll the status; cancellable'],
                    ['wait', 'Wait', 'one JSON answer'],
                  ] as const
                ).map(([value, label, hint]) => (
                  <label key={value}>
                    <input type="radio" name="mode" value={value} checked={mode === value} onChange={() => setMode(value)} disabled={running} /> {label}{' '}
                    <span className="muted small">{hint}</span>
                  </label>
                ))}
              </div>
            </fieldset>
          ) : api === 'chat' ? (
            <label className="checkbox">
              <input type="checkbox" checked={chatStream} onChange={(e) => setChatStream(e.target.checked)} disabled={running} /> Stream
            </label>
          ) : api === 'embeddings' ? (
            <p className="hint">
              Sent to <code>POST /v1/embeddings</code>; the result shows the vector's size and first values.
            </p>
          ) : (
            <p className="hint">
              {api === 'messages' ? (
                <>
                  Streamed from <code>POST /v1/messages</code>, the token sent as <code>x-api-key</code>.
                </>
              ) : (
                <>
                  Streamed from <code>:streamGenerateContent?alt=sse</code> under <code>/v1beta</code>, the token sent as <code>x-goog-api-key</code>.
                </>
              )}
            </p>
          )}
          <div className="form-actions">
            <button type="submit" className="button button--primary" disabled={running || !model}>
              {running ? 'Running…' : 'Send'}
            </button>
            {running && (
              <button type="button" className="button" onClick={stop}>
                Stop
              </button>
            )}
            {api === 'responses' && mode === 'background' && responseId && status && !TERMINAL.has(status) && (
              <button type="button" className="button button--danger" onClick={cancel}>
                Cancel response
              </button>
            )}
          </div>
          <div className="code-out">
            <div className="inline" role="group" aria-label="Copy the request">
              <button type="button" className="button button--small" onClick={() => void copyCode('curl')} disabled={!model}>
                Copy as curl
              </button>
              {hasOpenAiSdk(built) && (
                <>
                  <button type="button" className="button button--small" onClick={() => void copyCode('typescript')} disabled={!model}>
                    Copy as TypeScript (openai)
                  </button>
                  <button type="button" className="button button--small" onClick={() => void copyCode('python')} disabled={!model}>
                    Copy as Python (openai)
                  </button>
                </>
              )}
            </div>
            {code && shownCode && (
              <div className="copied">
                <p className="hint" role="status">
                  {code.copied ? `Copied as ${CODE_LABELS[code.kind]}.` : `Could not copy: select the ${CODE_LABELS[code.kind]} below.`} The token is <code>$BODHI_TOKEN</code>: set it in your environment.
                </p>
                <pre data-testid="copied-code">{shownCode}</pre>
              </div>
            )}
          </div>
        </form>

        <div className="card result" aria-labelledby="result-title">
          <div className="result-head">
            <h2 id="result-title">Result</h2>
            {status && (
              <span className="status" aria-live="polite">
                Status <Badge tone={statusTone(status)}>{status}</Badge>
                {polls > 0 && <span className="muted small"> after {polls} poll{polls === 1 ? '' : 's'}</span>}
              </span>
            )}
          </div>
          {responseId && (
            <p className="muted small mono">
              id <span data-testid="response-id">{responseId}</span>
            </p>
          )}
          {error && <Notice kind="error">{error}</Notice>}
          {embedding && (
            <dl className="embedding" data-testid="embedding">
              <dt>Vector size</dt>
              <dd data-testid="vector-size">{embedding.size}</dd>
              <dt>First values</dt>
              <dd className="vector" data-testid="vector-first">
                [{embedding.first.map((v) => v.toFixed(4)).join(', ')}
                {embedding.size > embedding.first.length ? ', …' : ''}]
              </dd>
            </dl>
          )}
          {api !== 'embeddings' && <div className="output-text" aria-live="polite" data-testid="output-text">
            {text || <span className="muted">{running ? 'Waiting for text…' : 'The answer appears here.'}</span>}
          </div>}
          {events.length > 0 && (
            <details className="events" open>
              <summary>
                Events <span className="muted">({events.at(-1)!.n})</span>
              </summary>
              <ol className="event-list" data-testid="events">
                {events.map((e) => (
                  <li key={e.n}>
                    <span className="muted small mono seq">{e.seq ?? ''}</span> <code>{e.type}</code>
                  </li>
                ))}
              </ol>
            </details>
          )}
          {final !== undefined && (
            <details className="final">
              <summary>{api === 'responses' ? 'Final output' : api === 'chat' ? 'Full answer' : api === 'embeddings' ? 'Model and usage' : 'Stop reason and usage'}</summary>
              <pre data-testid="final-output">{JSON.stringify(final, null, 2)}</pre>
            </details>
          )}
        </div>
      </div>
    </section>
  );
}
