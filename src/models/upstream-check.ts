// Admin-side checks of an upstream before (or after) it becomes an API model: list its models
// (GET {base_url}/models) and test that a connection works. They run on the server with the
// gateway's undici dispatcher, so a stored key is used without ever reaching the browser, and
// every call has a deadline. What to send and how to read the answer is the probe of the API
// format being configured (providers/probes.ts): each API lists its models its own way.
import { request, type Dispatcher } from 'undici';
import type { SecretBox } from '../crypto/secret-box.js';
import { badRequest, upstreamError } from '../errors/catalogue.js';
import { networkErrorText } from '../upstream/network-errors.js';
import type { ApiModelService } from './api-model-service.js';
import { normaliseBaseUrl, validOpenaiId } from './api-model-service.js';
import { API_FORMATS, isApiFormat, type ApiFormat } from '../providers/formats.js';
import { providerFor } from '../providers/index.js';
import type { ProbeRequest } from '../providers/probes.js';

export interface UpstreamCheckInput {
  base_url?: unknown;
  /** A key typed in; omitted means "the stored key of api_model_id"; null means none. */
  api_key?: unknown;
  api_model_id?: unknown;
  /** Required to test a connection; fetching models defaults to `openai` (clients from before other formats). */
  api_format?: unknown;
  model?: unknown;
  /** Omitted: the stored ones of api_model_id when its stored key is used; null or '' for none. */
  openai_organization?: unknown;
  openai_project?: unknown;
}

export interface ConnectionResult {
  success: boolean;
  status: number | null;
  message: string;
  latency_ms: number;
}

interface Target {
  baseUrl: string;
  apiKey: string | null;
  /** The format's account headers (OpenAI-Organization / OpenAI-Project), flat [name, value, ...]. */
  extraHeaders: string[];
}

type Answer =
  | { kind: 'answered'; status: number; text: string; ms: number }
  | { kind: 'unreachable'; message: string; ms: number };

export interface UpstreamCheckDeps {
  dispatcher: Dispatcher;
  apiModels: ApiModelService;
  box: SecretBox;
  timeoutMs: number;
  userAgent: string;
}

/** Bodies past this are cut off: a model list or an error is far smaller. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** The input's api_format; `fallback` when it is absent and one may be assumed. */
function checkedFormat(input: UpstreamCheckInput, fallback?: ApiFormat): ApiFormat {
  if (input === null || typeof input !== 'object') throw badRequest('Expected a JSON object.');
  if (input.api_format === undefined && fallback) return fallback;
  if (!isApiFormat(input.api_format)) throw badRequest(`api_format must be one of: ${API_FORMATS.join(', ')}.`, 'api_format');
  return input.api_format;
}

/** The upstream's message with the key cut out, should the upstream repeat it. */
const redact = (message: string, apiKey: string | null): string => (apiKey ? message.split(apiKey).join('[redacted]') : message);

export class UpstreamChecker {
  constructor(private readonly deps: UpstreamCheckDeps) {}

  async fetchModels(input: UpstreamCheckInput): Promise<string[]> {
    const format = checkedFormat(input, 'openai');
    const target = await this.target(input, format);
    const probe = providerFor(format).probe;
    const req = probe.listModels(target.apiKey);
    const answer = await this.send(target, req);
    if (answer.kind === 'unreachable') throw upstreamError(answer.message, 'upstream_unavailable');
    if (answer.status < 200 || answer.status > 299) {
      throw upstreamError(`The upstream answered ${answer.status}: ${redact(probe.readError(answer.status, answer.text), target.apiKey)}`, 'upstream_rejected');
    }
    const ids = probe.readModels(answer.text);
    if (!ids) throw upstreamError(`The upstream's ${req.method} ${target.baseUrl}${req.path} answer is not a model list.`, 'upstream_invalid_answer');
    return ids;
  }

  async testConnection(input: UpstreamCheckInput): Promise<ConnectionResult> {
    const format = checkedFormat(input);
    if (input.model !== undefined && (typeof input.model !== 'string' || !/^\S+$/.test(input.model))) {
      throw badRequest('model must be a model id without spaces.', 'model');
    }
    const target = await this.target(input, format);
    const model = input.model as string | undefined;
    const probe = providerFor(format).probe;
    const req = probe.testConnection(target.apiKey, model);
    const what = model ? `${req.what} with model '${model}'` : req.what;
    const answer = await this.send(target, req);
    if (answer.kind === 'unreachable') return { success: false, status: null, message: answer.message, latency_ms: answer.ms };
    const success = answer.status >= 200 && answer.status <= 299;
    return {
      success,
      status: answer.status,
      message: success ? `Connected: ${what} answered ${answer.status}.` : redact(probe.readError(answer.status, answer.text), target.apiKey),
      latency_ms: answer.ms,
    };
  }

  private async target(input: UpstreamCheckInput, format: ApiFormat): Promise<Target> {
    const baseUrl = normaliseBaseUrl(input.base_url);
    // Organization and project as typed, else (below) the stored ones of a stored model. The
    // format's headers without a key are its account headers: none for a format that has none.
    const typed = (stored: { openaiOrganization: string | null; openaiProject: string | null } = { openaiOrganization: null, openaiProject: null }) =>
      providerFor(format).upstreamHeaders(null, {
        openaiOrganization: validOpenaiId(input.openai_organization, 'openai_organization', stored.openaiOrganization),
        openaiProject: validOpenaiId(input.openai_project, 'openai_project', stored.openaiProject),
      });
    if (input.api_key === null) return { baseUrl, apiKey: null, extraHeaders: typed() };
    if (input.api_key !== undefined) {
      if (typeof input.api_key !== 'string' || !/^[\x21-\x7e]+$/.test(input.api_key)) {
        throw badRequest('api_key must be printable ASCII without spaces (or null for none).', 'api_key');
      }
      return { baseUrl, apiKey: input.api_key, extraHeaders: typed() };
    }
    if (input.api_model_id === undefined) return { baseUrl, apiKey: null, extraHeaders: typed() };
    if (typeof input.api_model_id !== 'string') throw badRequest('api_model_id must be a string.', 'api_model_id');
    const stored = await this.deps.apiModels.find(input.api_model_id);
    // A stored key goes only to the base URL stored with it: anything else could hand it to
    // whatever listens at a URL the caller picked.
    if (baseUrl !== stored.baseUrl) {
      throw badRequest(
        `base_url differs from the base URL stored with API model '${stored.name}' (${stored.baseUrl}); its stored key is only sent there. Type the key (api_key) to check another URL.`,
        'base_url',
        'stored_key_base_url_mismatch',
      );
    }
    return { baseUrl, apiKey: stored.apiKeyEnc ? this.deps.box.decrypt(stored.apiKeyEnc) : null, extraHeaders: typed(stored) };
  }

  private async send(target: Target, req: ProbeRequest): Promise<Answer> {
    const { dispatcher, timeoutMs, userAgent } = this.deps;
    const url = target.baseUrl + req.path;
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    const signal = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': userAgent, ...req.headers };
    for (let i = 0; i < target.extraHeaders.length; i += 2) headers[target.extraHeaders[i]!] = target.extraHeaders[i + 1]!;
    try {
      const res = await request(url, {
        dispatcher,
        method: req.method,
        headers,
        body: req.body ?? null,
        signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          res.body.destroy();
          break;
        }
        chunks.push(chunk);
      }
      return { kind: 'answered', status: res.statusCode, text: Buffer.concat(chunks).toString('utf8'), ms: ms() };
    } catch (err) {
      const why = signal.aborted ? `no answer within ${timeoutMs} ms` : networkErrorText(err as Error);
      return { kind: 'unreachable', message: `Could not reach ${url}: ${why}.`, ms: ms() };
    }
  }
}
