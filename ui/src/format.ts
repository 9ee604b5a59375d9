// Small display helpers.
export function formatDate(iso: string | null): string {
  if (!iso) return 'never';
  const date = new Date(iso);
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
