// The slice of node-llama-cpp's API the gateway uses, declared here so the gateway builds and
// type-checks even where the optional package is not installed (`npm ci --omit=optional`).
// test/providers/local/llama-api.test.ts checks at compile time that the real package still matches.

export type LlamaGpu = 'auto' | false | 'cuda' | 'vulkan' | 'metal';

export interface LlamaModule {
  getLlama(options: {
    build: 'never';
    skipDownload: boolean;
    usePrebuiltBinaries: boolean;
    progressLogs: boolean;
    gpu: LlamaGpu;
    maxThreads: number;
    logger: (level: string, message: string) => void;
  }): Promise<Llama>;
  readonly LlamaChat: new (options: { contextSequence: LlamaContextSequence }) => LlamaChat;
}

export interface Llama {
  readonly gpu: string | false;
  loadModel(options: { modelPath: string }): Promise<LlamaModel>;
  dispose(): Promise<void>;
}

export interface LlamaModel {
  readonly trainContextSize: number;
  readonly embeddingVectorSize: number;
  readonly tokenizer: LlamaTokenizer;
  createContext(options: { contextSize: number; sequences: number; threads: number }): Promise<LlamaContext>;
  createEmbeddingContext(options: { contextSize: number; batchSize: number; threads: number }): Promise<LlamaEmbeddingContext>;
  dispose(): Promise<void>;
}

/** Opaque: handed back to node-llama-cpp to tokenize rendered text. */
export type LlamaTokenizer = object;

export interface LlamaContext {
  getSequence(): LlamaContextSequence;
  dispose(): Promise<void>;
}

export interface LlamaContextSequence {
  readonly tokenMeter: { readonly usedOutputTokens: number };
}

export type ChatHistoryItem = { type: 'system'; text: string } | { type: 'user'; text: string } | { type: 'model'; response: string[] };

export interface GenerateOptions {
  signal: AbortSignal;
  stopOnAbortSignal: boolean;
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  seed?: number;
  customStopTriggers?: readonly string[];
  repeatPenalty: false | { penalty: number; frequencyPenalty: number; presencePenalty: number };
  onTextChunk: (text: string) => void;
}

export interface LlamaChat {
  readonly sequence: LlamaContextSequence;
  readonly chatWrapper: {
    generateContextState(options: { chatHistory: ChatHistoryItem[] }): { contextText: { tokenize(tokenizer: LlamaTokenizer): readonly unknown[] } };
  };
  generateResponse(history: ChatHistoryItem[], options: GenerateOptions): Promise<{ metadata: { stopReason: string } }>;
  dispose(): void;
}

export interface LlamaEmbeddingContext {
  calculateInputLength(text: string): number;
  getEmbeddingFor(text: string): Promise<{ readonly vector: readonly number[] }>;
  dispose(): Promise<void>;
}
