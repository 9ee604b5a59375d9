// Credentials out of log lines, whichever field carries them. Clients put tokens where they
// should not (`?api_key=`, a path segment, a provider key in `?key=`), and an error object may
// carry a header; field-name redaction (pino's paths) cannot know every place, so the text of
// each line is checked for credential shapes: gateway tokens, `sk-` style provider keys,
// `Bearer`/`Basic` values, credential query parameters and credential-named JSON fields.

/** Query parameters that commonly carry credentials (compared in lower case). */
const PARAMS = 'key|api_key|api-key|apikey|x-api-key|token|access_token|id_token|refresh_token|auth|authorization|password|secret|client_secret|sig|signature';

/** A cheap first test: most lines have none of these and leave untouched. */
const SUSPECT = new RegExp(`bodhiapp_|sk-|sk%2d|gsk_|aiza|xai-|bearer|basic|authorization|api.?key|api%5fkey|token|[?&;](?:${PARAMS})=|password|secret|cookie`, 'i');

const RULES: [RegExp, string][] = [
  // Gateway tokens (also percent-encoded or cut short) and provider keys shaped like OpenAI's,
  // Anthropic's and most others' (`sk-...`, `sk-proj-...`, `sk-ant-...`).
  [/sk(?:-|%2d)bodhiapp_[A-Za-z0-9_%-]*/gi, 'sk-bodhiapp_[redacted]'],
  [/\bsk(?:-|%2d)[A-Za-z0-9_%-]{16,}/gi, 'sk-[redacted]'],
  // Groq, Google (API keys start AIza) and xAI keys.
  [/\b(gsk_|AIza|xai-)[A-Za-z0-9_-]{16,}/g, '$1[redacted]'],
  // (not a placeholder such as `Bearer <token>` in a message)
  [/\b(bearer|basic)(\s+|%20|\+)(?!<)[^\s"\\,;&]{8,}/gi, '$1$2[redacted]'],
  [new RegExp(`([?&;](?:${PARAMS.replace(/_/g, '(?:_|%5f)')})=)[^&;#\\s"\\\\]*`, 'gi'), '$1[redacted]'],
  [/("(?:authorization|proxy-authorization|x-api-key|x-goog-api-key|api-key|api_key|apikey|access_token|refresh_token|id_token|token|cookie|set-cookie|password|secret|client_secret)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi, '$1"[redacted]"'],
];

/** The text with every credential-shaped part replaced by `[redacted]`. */
export function redactSecrets(text: string): string {
  if (!SUSPECT.test(text)) return text;
  let out = text;
  for (const [re, replacement] of RULES) out = out.replace(re, replacement);
  return out;
}
