// The one storage interface the rest of the gateway sees. SQLite (embedded default) and
// PostgreSQL (scale-out) both implement it over the same Kysely schema and migrations.

export type ApiFormat = 'openai' | 'openai_responses';
export type Scope = 'user' | 'power_user' | 'admin';
export type TokenStatus = 'active' | 'revoked';

export interface ApiModelRecord {
  id: string;
  name: string;
  apiFormat: string;
  baseUrl: string;
  /** AES-256-GCM ciphertext (see crypto/secret-box.ts); never the plain key. */
  apiKeyEnc: string | null;
  models: string[];
  prefix: string | null;
  forwardAll: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface TokenRecord {
  id: string;
  name: string;
  /** A few characters of the token, to find candidates without a full scan. */
  tokenPrefix: string;
  /** SHA-256 of the whole token, hex. */
  tokenHash: string;
  scope: Scope;
  status: TokenStatus;
  createdAt: number;
  updatedAt: number;
  lastUsedAt: number | null;
  expiresAt: number | null;
  /** Client-visible model ids this token may call; null means all. */
  allowedModels: string[] | null;
  rateLimitRpm: number | null;
}

/** Which API model (and which token) a response created through the gateway belongs to. */
export interface ResponseRoute {
  responseId: string;
  apiModelId: string;
  /** The model id the client used at creation (for allow-list checks). */
  model: string;
  tokenId: string | null;
  createdAt: number;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Human-readable location (file path or redacted URL) for /info. */
  readonly location: string;
  migrate(): Promise<void>;

  listApiModels(): Promise<ApiModelRecord[]>;
  insertApiModel(model: ApiModelRecord): Promise<void>;
  updateApiModel(model: ApiModelRecord): Promise<void>;
  deleteApiModel(id: string): Promise<boolean>;

  listTokens(): Promise<TokenRecord[]>;
  insertToken(token: TokenRecord): Promise<void>;
  updateToken(token: TokenRecord): Promise<void>;
  /** Batched last_used_at writes; does not count as a config change. */
  recordTokenUse(uses: ReadonlyMap<string, number>): Promise<void>;

  insertResponseRoutes(routes: readonly ResponseRoute[]): Promise<void>;
  getResponseRoute(responseId: string): Promise<ResponseRoute | undefined>;
  deleteResponseRoute(responseId: string): Promise<void>;
  /**
   * Deletes records created before `createdBefore`, at most `limit` of them per call (so a
   * large backlog is pruned in short statements that never hold the database for long).
   */
  pruneResponseRoutes(createdBefore: number, limit?: number): Promise<number>;

  /** Changes whenever API models or tokens change, from any process sharing the database. */
  configVersion(): Promise<string>;
  /**
   * Shared databases only (PostgreSQL): calls `listener` soon after a config change commits in
   * any process, and whenever changes may have been missed (the notification connection was
   * re-established). The version poll stays the safety net. Returns an unsubscribe function.
   */
  subscribeConfigChanges?(listener: () => void): () => void;
  close(): Promise<void>;
}
