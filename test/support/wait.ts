// Bounded waiting for something another process or connection does.
/** Polls `probe` until it returns true; resolves with the time it took, or throws after `timeoutMs`. */
export async function waitUntil(probe: () => Promise<boolean> | boolean, timeoutMs = 5_000, everyMs = 10): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await probe()) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Like waitUntil, with a message saying what never happened. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string, everyMs = 20): Promise<void> {
  try {
    await waitUntil(check, timeoutMs, everyMs);
  } catch {
    throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
