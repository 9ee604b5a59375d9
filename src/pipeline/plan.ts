// Which upstreams a call may go to, in the order to try them. A model name resolves to one API
// model, or to a router: its targets in fallback order, or shuffled by weight, each tried only
// if its health admits it (the proxy asks as it goes, so only tried targets are counted).
import type { LiveApiModel, LiveRouter, LiveRouterTarget, ResolvedApi, ResolvedRouter } from '../state/registry.js';
import { findTopLevel, replaceSpan, type ValueSpan } from '../lib/json/json-scan.js';
import { upstreamBody } from './resolve.js';

export interface Target {
  readonly apiModel: LiveApiModel;
  /** What the upstream gets: the client's bytes, with at most `model` rewritten. */
  readonly body: Buffer | null;
  /** The path below the API model's base URL when it names the model (Gemini); else the call's. */
  readonly path?: string;
  /** The model id the upstream gets, when the call names one. */
  readonly upstreamModel?: string;
}

/** How a call is sent to one API model and upstream model id (a router target). */
export type Shape = (apiModel: LiveApiModel, upstreamModel: string) => Target;

/** A router's way through: its targets in the order to try them. */
export interface RouterPlan {
  readonly router: LiveRouter;
  readonly order: readonly LiveRouterTarget[];
  /**
   * The call continues a conversation one target holds (`previous_response_id`): only that
   * target may answer, whatever its health, and its answer (or error) is the client's.
   */
  readonly pinned: boolean;
  readonly shape: Shape;
}

/** The targets of a model-routed call (its body names the model). */
export function planByModel(resolved: ResolvedApi, raw: Buffer): Target[] {
  return [{ apiModel: resolved.apiModel, body: upstreamBody(raw, resolved), upstreamModel: resolved.upstreamModel }];
}

/** What a model-routed call may go to: its API model, or its router's targets. */
export function planFor(resolved: ResolvedApi | ResolvedRouter, raw: Buffer, pinTo?: Holder): Target[] | RouterPlan {
  return resolved.kind === 'api' ? planByModel(resolved, raw) : planRouter(resolved.router, bodyShape(raw, resolved.alias), pinTo);
}

/** The target of a call routed by an id (its API model is known). */
export function planByApiModel(apiModel: LiveApiModel, body: Buffer | null): Target[] {
  return [{ apiModel, body }];
}

/**
 * The client's body with `model` (the router's name, `alias`) set to each target's id. The body
 * is scanned for `model` once per call, however many targets are tried.
 */
export function bodyShape(raw: Buffer, alias: string): Shape {
  let span: ValueSpan | null | undefined;
  return (apiModel, upstreamModel) => {
    if (upstreamModel === alias) return { apiModel, body: raw, upstreamModel };
    if (span === undefined) span = findTopLevel(raw, 'model') ?? null;
    return { apiModel, body: span ? replaceSpan(raw, span, JSON.stringify(upstreamModel)) : raw, upstreamModel };
  };
}

/** Where a conversation lives: the API model (and upstream model) that created its response. */
export interface Holder {
  readonly apiModel: LiveApiModel;
  /** null for records written before it was kept. */
  readonly upstreamModel: string | null;
}

/**
 * A router's targets in the order to try them: `fallback` keeps the configured order;
 * `weighted` draws them one by one with chances proportional to weight (weight 0: only after
 * the others). `pinTo`: the target that holds the conversation, the only one tried, even when
 * it has since left the router (another account would not know the conversation).
 */
export function planRouter(router: LiveRouter, shape: Shape, pinTo?: Holder, random: () => number = Math.random): RouterPlan {
  if (pinTo !== undefined) {
    const { apiModel, upstreamModel } = pinTo;
    const holder =
      router.targets.find((t) => t.apiModel.id === apiModel.id && (upstreamModel === null || t.model === upstreamModel)) ??
      (upstreamModel === null
        ? undefined
        : { apiModel, model: upstreamModel, weight: 0, enabled: false, label: `${apiModel.name}/${upstreamModel}` });
    if (holder) return { router, order: [holder], pinned: true, shape };
  }
  const enabled = router.targets.filter((t) => t.enabled);
  const order = router.strategy === 'weighted' && enabled.length > 1 ? weightedOrder(enabled, random) : enabled;
  return { router, order, pinned: false, shape };
}

function weightedOrder(targets: LiveRouterTarget[], random: () => number): LiveRouterTarget[] {
  const pool = targets.slice();
  const out: LiveRouterTarget[] = [];
  let total = pool.reduce((sum, t) => sum + t.weight, 0);
  while (pool.length > 0) {
    let pick = 0;
    if (total > 0) {
      let r = random() * total;
      while (pick < pool.length - 1 && (r -= pool[pick]!.weight) >= 0) pick++;
      // Skip zero weights the draw may have landed on at the end.
      while (pool[pick]!.weight === 0 && pick > 0) pick--;
    }
    const [chosen] = pool.splice(pick, 1);
    total -= chosen!.weight;
    out.push(chosen!);
  }
  return out;
}
