// Loads llama.cpp (through the optional `node-llama-cpp` package) the first time a local alias
// is used: never at startup and never on the API-model path. Only its prebuilt binaries are
// used: nothing is built or downloaded at run time. When it cannot load (package missing, no
// binary for this platform, binary fails to load) every local call answers a 503 saying why,
// and the rest of the gateway carries on.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { LocalConfig } from '../../config.js';
import type { Llama, LlamaModule } from './llama-api.js';

export interface LlamaRuntime {
  readonly lib: LlamaModule;
  readonly llama: Llama;
}

/** llama.cpp cannot run in this process; `reason` says why (shown to clients in the 503). */
export class LlamaUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'LlamaUnavailableError';
  }
}

const shortMessage = (err: unknown): string => {
  const msg = err instanceof Error ? err.message : String(err);
  const firstLine = msg.split('\n').find((l) => l.trim() !== '') ?? msg;
  return firstLine.length > 300 ? `${firstLine.slice(0, 300)}...` : firstLine;
};

/** A bare package name is imported as such; anything path-like is resolved against the cwd. */
function importSpecifier(module: string): string {
  return module.startsWith('.') || module.startsWith('/') ? pathToFileURL(resolve(module)).href : module;
}

export class LlamaBinding {
  private loading: Promise<LlamaRuntime> | undefined;

  constructor(
    private readonly config: Pick<LocalConfig, 'bindingModule' | 'gpu' | 'threads'>,
    private readonly log: Logger,
  ) {}

  /** Loads once; a failure is remembered (fix the install, then restart the gateway). */
  load(): Promise<LlamaRuntime> {
    return (this.loading ??= this.loadOnce());
  }

  private async loadOnce(): Promise<LlamaRuntime> {
    const { bindingModule, gpu, threads } = this.config;
    if (bindingModule === null) throw new LlamaUnavailableError('local inference is turned off (BODHI_LOCAL_BINDING=off)');
    const started = performance.now();
    let lib: LlamaModule;
    try {
      lib = (await import(importSpecifier(bindingModule))) as LlamaModule;
    } catch (err) {
      this.log.warn({ err, module: bindingModule }, 'could not import node-llama-cpp; local aliases answer 503');
      // Node names the importing file ("imported from /srv/..."): clients need not see server paths.
      const why = shortMessage(err).replace(/ imported from \S+$/, '');
      throw new LlamaUnavailableError(`the optional dependency '${bindingModule}' could not be imported (${why})`);
    }
    if (typeof lib.getLlama !== 'function') throw new LlamaUnavailableError(`'${bindingModule}' does not look like node-llama-cpp (no getLlama export)`);
    try {
      const llama = await lib.getLlama({
        build: 'never',
        skipDownload: true,
        usePrebuiltBinaries: true,
        progressLogs: false,
        gpu,
        maxThreads: threads,
        // llama.cpp's own log level defaults to warn.
        logger: (level, message) => {
          const text = message.trim();
          if (text) this.log.debug({ llamaLevel: level }, `llama.cpp: ${text}`);
        },
      });
      this.log.info({ gpu: llama.gpu, threads, ms: Math.round(performance.now() - started) }, 'llama.cpp loaded for local aliases');
      return { lib, llama };
    } catch (err) {
      this.log.warn({ err }, 'llama.cpp could not be loaded; local aliases answer 503');
      throw new LlamaUnavailableError(
        `no working prebuilt llama.cpp binary for ${process.platform}-${process.arch} (${shortMessage(err)})`,
      );
    }
  }

  async close(): Promise<void> {
    const loading = this.loading;
    if (!loading) return;
    const runtime = await loading.catch(() => undefined);
    await runtime?.llama.dispose().catch(() => undefined);
  }
}
