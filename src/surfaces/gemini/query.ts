// The query string is forwarded byte for byte, except `key`: a client may send its gateway
// token there (as Google's REST examples do with their keys), and it must not reach the upstream.

/** `query` (`''` or `?...`) without any `key=` parameter (also percent-encoded as `%6Bey`). */
export function withoutKey(query: string): string {
  if (query === '') return query;
  const kept = query
    .slice(1)
    .split('&')
    .filter((part) => {
      const eq = part.indexOf('=');
      const name = eq < 0 ? part : part.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name.replace(/\+/g, ' '));
      } catch {
        // left as sent
      }
      return decoded !== 'key';
    });
  return kept.length ? `?${kept.join('&')}` : '';
}
