// The little a store needs to report connection trouble (a pino logger fits).
export interface StoreLog {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}
