// What a response id may look like before the gateway uses it in an upstream path.
export const RESPONSE_ID_RE = /^[A-Za-z0-9_-]{1,256}$/;
