// Finds a top-level string field (a response's `id`) in a JSON object that arrives in chunks,
// without keeping the chunks: a byte-level state machine that only remembers where it is and
// the few bytes of the key or value being read. It stops at the first match, which in real
// answers is the first field, so a huge body costs a few bytes of scanning and no memory.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Keys longer than this can't be the one wanted; values longer than this are not ids. */
const MAX_KEY_BYTES = 64;
const MAX_VALUE_BYTES = 1024;

export class TopLevelStringFinder {
  private readonly key: Buffer;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private expectKey = false;
  /** The last top-level key read was the wanted one; its value comes after the colon. */
  private keyMatched = false;
  private valueWanted = false;
  private capture: 'key' | 'value' | null = null;
  private captured: number[] = [];
  private capturedEscapes = false;
  private overflow = false;
  private state: 'scanning' | 'found' | 'gave_up' = 'scanning';
  /** The value once found. */
  value: string | undefined;

  constructor(key: string) {
    this.key = Buffer.from(key, 'utf8');
  }

  /** True once there is nothing more to learn (found, or the input is not a JSON object). */
  get finished(): boolean {
    return this.state !== 'scanning';
  }

  write(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length && this.state === 'scanning'; i++) this.byte(chunk[i]!);
  }

  private byte(b: number): void {
    if (this.inString) {
      if (this.capture) this.keep(b);
      if (this.escaped) this.escaped = false;
      else if (b === BACKSLASH) {
        this.escaped = true;
        this.capturedEscapes = true;
      } else if (b === QUOTE) this.endString();
      return;
    }
    if (isSpace(b)) return;
    if (this.depth === 0) {
      if (b === LBRACE) {
        this.depth = 1;
        this.expectKey = true;
      } else this.state = 'gave_up'; // not an object
      return;
    }
    if (this.depth === 1 && this.valueWanted && b !== QUOTE) this.valueWanted = false; // the value is not a string
    switch (b) {
      case QUOTE:
        this.inString = true;
        if (this.depth === 1 && (this.expectKey || this.valueWanted)) this.startCapture(this.expectKey ? 'key' : 'value');
        break;
      case LBRACE:
      case LBRACKET:
        this.depth++;
        break;
      case RBRACE:
      case RBRACKET:
        if (--this.depth === 0) this.state = 'gave_up'; // the object ended without the key
        break;
      case COLON:
        if (this.depth === 1) {
          this.expectKey = false;
          this.valueWanted = this.keyMatched;
          this.keyMatched = false;
        }
        break;
      case COMMA:
        if (this.depth === 1) this.expectKey = true;
        break;
    }
  }

  private startCapture(what: 'key' | 'value'): void {
    this.capture = what;
    this.captured = [];
    this.capturedEscapes = false;
    this.overflow = false;
    if (what === 'value') this.valueWanted = false;
  }

  private keep(b: number): void {
    // One more than the limit, for the closing quote.
    if (this.captured.length <= (this.capture === 'key' ? MAX_KEY_BYTES : MAX_VALUE_BYTES)) this.captured.push(b);
    else this.overflow = true;
  }

  private endString(): void {
    this.inString = false;
    const what = this.capture;
    this.capture = null;
    if (!what) return;
    if (this.overflow) {
      this.keyMatched = false;
      return;
    }
    const raw = this.captured;
    raw.pop(); // the closing quote
    if (what === 'key') this.keyMatched = this.keyEquals(raw);
    else {
      const text = this.decode(raw);
      if (text !== undefined) {
        this.value = text;
        this.state = 'found';
      }
    }
  }

  private keyEquals(raw: number[]): boolean {
    if (this.capturedEscapes) return this.decode(raw) === this.key.toString('utf8');
    if (raw.length !== this.key.length) return false;
    for (let k = 0; k < raw.length; k++) if (raw[k] !== this.key[k]) return false;
    return true;
  }

  private decode(raw: number[]): string | undefined {
    try {
      const v: unknown = JSON.parse(`"${Buffer.from(raw).toString('utf8')}"`);
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }
}
