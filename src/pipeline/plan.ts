// Which upstreams a call may go to, in the order to try them. Today a model name resolves to
// exactly one API model; routers (several targets, fallback) plug in here.
import type { LiveApiModel, ResolvedApi } from '../state/registry.js';
import { upstreamBody } from './resolve.js';

export interface Target {
  readonly apiModel: LiveApiModel;
  /** What the upstream gets: the client's bytes, with at most `model` rewritten. */
  readonly body: Buffer | null;
  /** The path below the API model's base URL when it names the model (Gemini); else the call's. */
  readonly path?: string;
}

/** The targets of a model-routed call (its body names the model). */
export function planByModel(resolved: ResolvedApi, raw: Buffer): Target[] {
  return [{ apiModel: resolved.apiModel, body: upstreamBody(raw, resolved) }];
}

/** The target of a call routed by an id (its API model is known). */
export function planByApiModel(apiModel: LiveApiModel, body: Buffer | null): Target[] {
  return [{ apiModel, body }];
}
