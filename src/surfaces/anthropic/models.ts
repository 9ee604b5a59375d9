// The anthropic-format models a token may call, in Anthropic's list shape
// ({data: [{type, id, display_name, created_at}], has_more, first_id, last_id}) with its paging
// (`limit`, default 20, up to 1000; `after_id`, `before_id`). Served at /anthropic/v1/models and,
// for Anthropic clients, at /v1/models (surfaces/openai/models.ts).
import { badRequest, GatewayError } from '../../errors/catalogue.js';
import { mayUse, modelAccessDenied } from '../../pipeline/resolve.js';
import type { ModelRegistry } from '../../state/registry.js';
import type { AuthToken } from '../../state/token-cache.js';

export interface AnthropicModel {
  type: 'model';
  id: string;
  display_name: string;
  created_at: string;
}

export interface AnthropicModelList {
  data: AnthropicModel[];
  has_more: boolean;
  first_id: string | null;
  last_id: string | null;
}

type Registry = Pick<ModelRegistry, 'list'>;

/** Anthropic's clients tell themselves apart by this header (OpenAI's never send it). */
export const isAnthropicClient = (headers: Record<string, unknown>): boolean => headers['anthropic-version'] !== undefined;

/** Every anthropic-format model id (first API model wins a shared id), allow-list aside. */
function allAnthropicModels(registry: Registry): AnthropicModel[] {
  const seen = new Map<string, AnthropicModel>();
  for (const { id, apiModel, router } of registry.list()) {
    if (apiModel.apiFormat !== 'anthropic' || seen.has(id)) continue;
    seen.set(id, { type: 'model', id, display_name: id, created_at: new Date((router ?? apiModel).createdAt).toISOString() });
  }
  return [...seen.values()];
}

function pageLimit(raw: unknown): number {
  if (raw === undefined) return 20;
  const n = typeof raw === 'string' && /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(n >= 1 && n <= 1000)) throw badRequest('limit: must be an integer from 1 to 1000.', 'limit');
  return n;
}

export function anthropicModelList(registry: Registry, token: AuthToken | null, query: Record<string, unknown> = {}): AnthropicModelList {
  const all = allAnthropicModels(registry).filter((m) => mayUse(token, m.id));
  const limit = pageLimit(query.limit);
  let from = 0;
  let to = all.length;
  if (typeof query.after_id === 'string') from = all.findIndex((m) => m.id === query.after_id) + 1;
  if (typeof query.before_id === 'string') {
    const at = all.findIndex((m) => m.id === query.before_id);
    to = at < 0 ? all.length : at;
    from = Math.max(from, to - limit);
  }
  const data = all.slice(from, Math.min(to, from + limit));
  const hasMore = typeof query.before_id === 'string' ? from > 0 : from + data.length < to;
  return { data, has_more: hasMore, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null };
}

export function anthropicModel(registry: Registry, token: AuthToken | null, id: string): AnthropicModel {
  const found = allAnthropicModels(registry).find((m) => m.id === id);
  if (!found) throw new GatewayError('model_not_found', `model: ${id}`, { param: 'model' });
  if (!mayUse(token, id)) throw modelAccessDenied(id);
  return found;
}
