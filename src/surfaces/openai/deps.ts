// What the /v1 routes use, and nothing more.
import type { LocalEngine } from '../../providers/local/engine.js';
import type { ProxyPipeline } from '../../pipeline/proxy.js';
import type { RequestRecorder } from '../../pipeline/record.js';
import type { ModelRegistry } from '../../state/registry.js';
import type { ResponseRoutes } from '../../state/response-routes.js';
import type { ResponsesSessions } from '../../pipeline/websocket/sessions.js';
import type { WebSocketConfig } from '../../config.js';

export interface OpenAiSurfaceDeps {
  readonly registry: ModelRegistry;
  readonly pipeline: ProxyPipeline;
  readonly responseRoutes: Pick<ResponseRoutes, 'remember' | 'lookup'>;
  /** Local aliases run here (chat and embeddings). */
  readonly local: Pick<LocalEngine, 'run'>;
  readonly recorder: Pick<RequestRecorder, 'record'>;
  /** Responses over WebSocket. */
  readonly websocketSessions: Pick<ResponsesSessions, 'accept' | 'draining'>;
  readonly websocketConfig: WebSocketConfig;
}
