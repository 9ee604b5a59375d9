// Preloaded (node --import) into a `bodhi serve` child process started by child-gateway.ts.
// Answers IPC questions about the process from inside: memory after a full GC (needs
// --expose-gc) and its open handles. Test-only; the gateway itself knows nothing of it.
if (process.send) {
  process.on('message', (msg) => {
    if (!msg || msg.probe !== 'stats') return;
    if (msg.gc && typeof globalThis.gc === 'function') {
      globalThis.gc();
      globalThis.gc();
    }
    const mem = process.memoryUsage();
    process.send({
      probe: 'stats',
      id: msg.id,
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      external: mem.external,
      arrayBuffers: mem.arrayBuffers,
      resources: process.getActiveResourcesInfo(),
    });
  });
  // The IPC channel must not keep the gateway alive on its own (graceful exit is under test).
  process.channel?.unref();
}
