// A local alias as the engine serves it.

/** A local model served in-process by llama.cpp (this folder). */
export interface LiveLocalAlias {
  readonly id: string;
  readonly name: string;
  readonly modelFile: string;
  readonly contextSize: number | null;
  readonly requestParams: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}
