import { writeSync } from 'node:fs';
import pino, { type ChildLoggerOptions, type DestinationStream, type Logger } from 'pino';
import { redactSecrets } from '../observability/redact.js';

const BASE = { service: 'bodhi-gateway' };

/**
 * Structured JSON logs. Tokens and API keys are never logged on purpose; two lines of defence
 * follow should one reach a log call anyway: pino's redaction of credential fields, and a scan
 * of each line's text for credential shapes (a token in a URL, an error's text or any field).
 */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: BASE,
      redact: {
        paths: ['authorization', 'headers.authorization', 'req.headers.authorization', 'api_key', '*.api_key', 'apiKey', '*.apiKey', 'token', '*.token'],
        censor: '[redacted]',
      },
      hooks: { streamWrite: redactSecrets },
    },
    destination ?? stdoutDestination(),
  );
}

/**
 * The access log, on the same destination: its fields are fixed and the ones a client picks
 * (URL, model) are redacted by the recorder, so it skips both defences, whose cost would
 * otherwise be paid on the one line every request writes.
 */
export function createAccessLogger(parent: Logger): Logger {
  const destination = (parent as unknown as Record<symbol, DestinationStream>)[pino.symbols.streamSym]!;
  // The parent's bindings too (a worker's number under --workers N), serialised once here.
  return pino({ level: parent.level, base: { ...BASE, ...parent.bindings() } }, destination);
}

/**
 * Asynchronous stdout in big chunks. Lines are collected as strings and joined into one Buffer
 * for sonic-boom once 32 KiB have gathered or a second has passed (and on flush and exit), so a
 * busy server makes one write, one Buffer and one thread-pool hand-off per hundred lines, not
 * per line (sonic-boom's string mode re-measures its growing pending string on every line).
 */
const CHUNK_CHARS = 32 * 1024;

function stdoutDestination(): DestinationStream & { flush(cb?: (err?: Error) => void): void; flushSync(): void } {
  const boom = pino.destination({ fd: 1, sync: false, contentMode: 'buffer', maxWrite: 256 * 1024 });
  const ended = () => (boom as unknown as { destroyed: boolean }).destroyed; // missing from sonic-boom's types
  let lines: string[] = [];
  let chars = 0;
  const handOver = () => {
    if (lines.length === 0) return;
    const chunk = Buffer.from(lines.length === 1 ? lines[0]! : lines.join(''));
    lines = [];
    chars = 0;
    // After pino's beforeExit handler ended the stream, what is left goes out directly.
    if (ended()) writeSync(1, chunk);
    else boom.write(chunk as unknown as string); // sonic-boom's types list only strings
  };
  setInterval(handOver, 1000).unref();
  // pino flushes sonic-boom on exit; the lines not yet handed over follow it.
  process.on('exit', () => {
    handOver();
    if (!ended()) boom.flushSync();
  });
  return {
    write(line: string) {
      lines.push(line);
      chars += line.length;
      if (chars >= CHUNK_CHARS) handOver();
    },
    /** Calls back once every line so far is written out (sonic-boom's own flush does not wait when minLength is 0). */
    flush(cb) {
      handOver();
      const writing = (boom as unknown as { _writing: boolean })._writing; // missing from sonic-boom's types
      if (!cb) return;
      if (ended() || !writing) {
        cb();
        return;
      }
      const done = (err?: Error) => {
        boom.off('drain', done);
        boom.off('error', done);
        cb(err);
      };
      boom.once('drain', done);
      boom.once('error', done);
    },
    flushSync() {
      handOver();
      boom.flushSync();
    },
  };
}

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Fastify's per-request logger (`request.log`), built only when the request logs something
 * itself: a warning, an error, a client that went away. The access line comes from the recorder
 * instead, so most requests never need it.
 */
export class LazyRequestLogger {
  private built: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Record<string, unknown>,
    private readonly options: ChildLoggerOptions<never> | undefined,
  ) {}

  private get logger(): Logger {
    return (this.built ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.built?.level ?? this.options?.level ?? this.parent.level;
  }
  set level(level: string) {
    this.logger.level = level;
  }

  private log(level: Level, args: unknown[]): void {
    const logger = this.logger;
    (logger[level] as (...a: unknown[]) => void).apply(logger, args);
  }

  fatal(...args: unknown[]): void {
    this.log('fatal', args);
  }
  error(...args: unknown[]): void {
    this.log('error', args);
  }
  warn(...args: unknown[]): void {
    this.log('warn', args);
  }
  info(...args: unknown[]): void {
    this.log('info', args);
  }
  debug(...args: unknown[]): void {
    this.log('debug', args);
  }
  trace(...args: unknown[]): void {
    this.log('trace', args);
  }
  silent(): void {}

  child(bindings: Record<string, unknown>, options?: ChildLoggerOptions<never>): Logger {
    return this.logger.child(bindings, options);
  }
}
