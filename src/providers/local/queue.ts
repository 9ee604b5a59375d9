// One job at a time per model, the rest wait in a bounded FIFO queue: a full queue refuses at
// once (the caller answers 429) instead of piling up requests that would time out anyway.

export class QueueFullError extends Error {
  constructor() {
    super('queue full');
    this.name = 'QueueFullError';
  }
}

interface Waiter {
  start: () => void;
  fail: (err: unknown) => void;
}

export class JobQueue {
  private running = false;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly maxWaiting: number) {}

  get busy(): boolean {
    return this.running || this.waiting.length > 0;
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /**
   * Resolves when it is this caller's turn, with the function that ends the turn. Throws
   * QueueFullError when the queue is full, and `signal.reason` when aborted while waiting.
   */
  acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (!this.running) {
      this.running = true;
      return Promise.resolve(this.releaser());
    }
    if (this.waiting.length >= this.maxWaiting) return Promise.reject(new QueueFullError());
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        const i = this.waiting.indexOf(waiter);
        if (i >= 0) this.waiting.splice(i, 1);
        reject(signal.reason);
      };
      const waiter: Waiter = {
        start: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
        fail: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /** Rejects everyone still waiting (shutdown). */
  rejectWaiting(err: unknown): void {
    for (const w of this.waiting.splice(0)) w.fail(err);
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running = false;
    };
  }
}
