// A fake Google Gemini API (generativelanguage, v1beta) for tests, built on node:http. It answers
// as the real one does where a gateway can tell: the key in `x-goog-api-key` (or `?key=`),
// Google's error envelope, `:streamGenerateContent?alt=sse` framed `data: {...}\r\n\r\n` with no
// `[DONE]`, without `alt=sse` a streamed JSON array, `usageMetadata` in every chunk with the counts
// so far (the last complete), countTokens, embedContent, batchEmbedContents, models list/get.
// Answers are deterministic (ids derive from the request), so a call made through the gateway and
// the same call made directly get the same bytes.
import { createHash } from 'node:crypto';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GeminiRequest {
  method: string;
  /** Path and query exactly as received. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface FakeGeminiOptions {
  apiKey?: string;
  /** Model ids it serves (without `models/`). */
  models?: string[];
  /** Pause between stream chunks, ms. */
  eventDelayMs?: number;
  /** Thinking tokens reported for generated answers. */
  thoughtsTokens?: number;
  cachedTokens?: number;
}

export interface FakeGemini {
  /** Base URL as stored on an API model: `http://127.0.0.1:<port>/v1beta`. */
  url: string;
  /** Where `@google/genai` points (`httpOptions.baseUrl`): `http://127.0.0.1:<port>`. */
  origin: string;
  apiKey: string;
  requests: GeminiRequest[];
  /** The next answer to a model call is this error (Google's envelope). */
  failNext(code: number, status: string, message: string): void;
  close(): Promise<void>;
}

const JSON_TYPE = 'application/json; charset=UTF-8';
const MODEL_VERSION = 'gemini-fake-001';

/** How Google's SSE chunks are written: `"key": value`, no other spaces. */
export function googleCompact(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(googleCompact).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${JSON.stringify(k)}: ${googleCompact(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

const pretty = (v: unknown) => JSON.stringify(v, null, 2);

const errorBody = (code: number, status: string, message: string, reason?: string) =>
  pretty({
    error: {
      code,
      message,
      status,
      ...(reason ? { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'googleapis.com', metadata: { service: 'generativelanguage.googleapis.com' } }] } : {}),
    },
  });

const countWords = (s: string) => s.split(/\s+/).filter(Boolean).length;

/** All text parts of the request's contents (a string, a Content, or Content[]). */
function promptText(body: any): string {
  const contents = body?.contents ?? body?.content ?? [];
  const list = Array.isArray(contents) ? contents : [contents];
  return list.flatMap((c: any) => (typeof c === 'string' ? [c] : (c?.parts ?? []).map((p: any) => p?.text ?? ''))).join(' ');
}

const vector = (text: string, dims = 8): number[] => {
  const h = createHash('sha256').update(text).digest();
  return Array.from({ length: dims }, (_, i) => Math.round(((h[i]! / 255) * 2 - 1) * 1e6) / 1e6);
};

export async function startFakeGemini(opts: FakeGeminiOptions = {}): Promise<FakeGemini> {
  const apiKey = opts.apiKey ?? 'AIzaFakeUpstreamKey0123456789abcdef';
  const models = opts.models ?? ['gemini-2.5-flash', 'gemini-2.5-pro', 'text-embedding-004'];
  const delay = opts.eventDelayMs ?? 2;
  const requests: GeminiRequest[] = [];
  let failure: { code: number; status: string; message: string } | undefined;

  const modelEntry = (id: string) => ({
    name: `models/${id}`,
    version: '001',
    displayName: id.replace(/-/g, ' '),
    description: `Fake ${id}`,
    inputTokenLimit: 1048576,
    outputTokenLimit: 65536,
    supportedGenerationMethods: id.includes('embedding') ? ['embedContent', 'batchEmbedContents'] : ['generateContent', 'countTokens'],
  });

  const send = (res: ServerResponse, status: number, body: string, type = JSON_TYPE) => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);
  };

  /** The answer's chunks: the words of `Echo: <prompt>`, usageMetadata in each, complete in the last. */
  function chunksFor(model: string, body: any, raw: Buffer) {
    const prompt = countWords(promptText(body));
    const words = `Echo: ${promptText(body)}`.split(' ');
    const responseId = createHash('sha256').update(model).update(raw).digest('base64url').slice(0, 22);
    const thoughts = opts.thoughtsTokens;
    return words.map((word, i) => {
      const last = i === words.length - 1;
      const produced = i + 1;
      return {
        candidates: [{ content: { parts: [{ text: (i ? ' ' : '') + word }], role: 'model' }, ...(last ? { finishReason: 'STOP' } : {}), index: 0 }],
        usageMetadata: {
          promptTokenCount: prompt,
          ...(last ? { candidatesTokenCount: produced } : {}),
          totalTokenCount: prompt + (last ? produced + (thoughts ?? 0) : 0),
          ...(opts.cachedTokens ? { cachedContentTokenCount: opts.cachedTokens } : {}),
          promptTokensDetails: [{ modality: 'TEXT', tokenCount: prompt }],
          ...(last && thoughts ? { thoughtsTokenCount: thoughts } : {}),
        },
        modelVersion: MODEL_VERSION,
        responseId,
      };
    });
  }

  function whole(chunks: ReturnType<typeof chunksFor>) {
    const last = chunks.at(-1)!;
    const text = chunks.map((c) => c.candidates[0]!.content.parts[0]!.text).join('');
    return { ...last, candidates: [{ ...last.candidates[0]!, content: { parts: [{ text }], role: 'model' } }] };
  }

  async function stream(res: ServerResponse, chunks: unknown[], sse: boolean) {
    res.writeHead(200, { 'content-type': sse ? 'text/event-stream' : JSON_TYPE });
    for (let i = 0; i < chunks.length; i++) {
      if (sse) res.write(`data: ${googleCompact(chunks[i])}\r\n\r\n`);
      else res.write((i === 0 ? '[' : '\r\n,\r\n') + pretty(chunks[i]));
      if (delay) await new Promise((r) => setTimeout(r, delay));
    }
    res.end(sse ? '' : '\n]');
  }

  function call(res: ServerResponse, model: string, method: string, raw: Buffer, sse: boolean) {
    if (!models.includes(model)) {
      return send(res, 404, errorBody(404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for ${method}. Call ListModels to see the list of available models and their supported methods.`));
    }
    let body: any;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(res, 400, errorBody(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'));
    }
    switch (method) {
      case 'generateContent':
        return send(res, 200, pretty(whole(chunksFor(model, body, raw))));
      case 'streamGenerateContent':
        return void stream(res, chunksFor(model, body, raw), sse);
      case 'countTokens': {
        const n = countWords(promptText(body.generateContentRequest ?? body));
        return send(res, 200, pretty({ totalTokens: n, promptTokensDetails: [{ modality: 'TEXT', tokenCount: n }] }));
      }
      case 'embedContent':
        return send(res, 200, pretty({ embedding: { values: vector(promptText(body)) } }));
      case 'batchEmbedContents': {
        const list: any[] = Array.isArray(body.requests) ? body.requests : [];
        return send(res, 200, pretty({ embeddings: list.map((r) => ({ values: vector(promptText(r)) })) }));
      }
      default:
        return send(res, 404, errorBody(404, 'NOT_FOUND', `Method ${method} not found.`));
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer) {
    const url = new URL(req.url!, 'http://fake');
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key');
    if (!key) return send(res, 403, errorBody(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."));
    if (key !== apiKey) return send(res, 400, errorBody(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', 'API_KEY_INVALID'));
    const path = url.pathname;
    if (!path.startsWith('/v1beta/models')) return send(res, 404, errorBody(404, 'NOT_FOUND', `Unknown path ${path}.`));
    const tail = decodeURIComponent(path.slice('/v1beta/models'.length).replace(/^\//, ''));
    if (req.method === 'GET' && tail === '') return send(res, 200, pretty({ models: models.map(modelEntry) }));
    if (req.method === 'GET') {
      return models.includes(tail) ? send(res, 200, pretty(modelEntry(tail))) : send(res, 404, errorBody(404, 'NOT_FOUND', `Model models/${tail} not found.`));
    }
    const colon = tail.lastIndexOf(':');
    if (req.method !== 'POST' || colon < 0) return send(res, 404, errorBody(404, 'NOT_FOUND', `Unknown path ${path}.`));
    if (failure) {
      const f = failure;
      failure = undefined;
      return send(res, f.code, errorBody(f.code, f.status, f.message));
    }
    call(res, tail.slice(0, colon), tail.slice(colon + 1), raw, url.searchParams.get('alt') === 'sse');
  }

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      requests.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: `${origin}/v1beta`,
    origin,
    apiKey,
    requests,
    failNext(code, status, message) {
      failure = { code, status, message };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
