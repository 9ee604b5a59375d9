// A few pages under /ui/ need no router library: the path is the state, links are real
// anchors (so they are keyboard- and middle-click-friendly), and pushState keeps it a SPA.
import { useEffect, useState } from 'react';

export const BASE = '/ui';

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((fn) => fn()));

/** The path below /ui, e.g. `/tokens`; `/` for the start page. */
export function currentPath(): string {
  const path = window.location.pathname.startsWith(BASE) ? window.location.pathname.slice(BASE.length) : '/';
  return path.replace(/\/+$/, '') || '/';
}

export function navigate(path: string): void {
  window.history.pushState(null, '', BASE + path);
  listeners.forEach((fn) => fn());
  window.scrollTo(0, 0);
}

export function usePath(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const update = () => setPath(currentPath());
    listeners.add(update);
    return () => void listeners.delete(update);
  }, []);
  return path;
}

/** onClick for in-app anchors: plain clicks navigate in place, modified clicks open as usual. */
export function linkTo(path: string) {
  return {
    href: BASE + path,
    onClick(event: { preventDefault(): void; metaKey: boolean; ctrlKey: boolean; shiftKey: boolean; button: number }) {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
      event.preventDefault();
      navigate(path);
    },
  };
}
