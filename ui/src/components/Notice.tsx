// Inline messages: errors, successes, and the empty state of a list.
import type { ReactNode } from 'react';

export function Notice({ kind, children, title }: { kind: 'error' | 'success' | 'info'; children: ReactNode; title?: string }) {
  return (
    <div className={`notice notice--${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
      {title && <strong>{title} </strong>}
      {children}
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children && <div className="empty-body">{children}</div>}
    </div>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Badge({ tone, children }: { tone: 'green' | 'grey' | 'blue' | 'amber' | 'red'; children: ReactNode }) {
  return <span className={`badge badge--${tone}`}>{children}</span>;
}
