// The admin token lives in sessionStorage only: gone when the tab closes, never in a cookie
// or localStorage. The gateway serves the UI with a strict CSP so no other script can read it.
const KEY = 'bodhi.adminToken';

export const getToken = (): string | null => sessionStorage.getItem(KEY);
export const setToken = (token: string): void => sessionStorage.setItem(KEY, token);
export const clearToken = (): void => sessionStorage.removeItem(KEY);
