// The query string is forwarded byte for byte; only the gateway's own `model` routing
// parameter is taken out of it.

/** `''` or the raw `?...` part of a request URL. */
export function rawQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q);
}

/** Removes every `model=` parameter; returns the rest unchanged and the (last) model value. */
export function takeModelParam(query: string): { query: string; model: string | undefined } {
  if (!query.includes('model')) return { query, model: undefined };
  let model: string | undefined;
  const kept: string[] = [];
  for (const part of query.slice(1).split('&')) {
    const eq = part.indexOf('=');
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    let key: string;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    } catch {
      key = rawKey;
    }
    if (key === 'model') {
      try {
        model = decodeURIComponent((eq < 0 ? '' : part.slice(eq + 1)).replace(/\+/g, ' '));
      } catch {
        model = part.slice(eq + 1);
      }
    } else kept.push(part);
  }
  return { query: kept.length ? `?${kept.join('&')}` : '', model };
}
