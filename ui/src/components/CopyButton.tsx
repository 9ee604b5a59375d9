import { useState } from 'react';

/** Copies text to the clipboard and says so; falls back to selecting the text field. */
export function CopyButton({ text, targetId }: { text: string; targetId?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied('yes');
    } catch {
      const input = targetId ? (document.getElementById(targetId) as HTMLInputElement | null) : null;
      input?.select();
      setCopied('failed');
    }
  };
  return (
    <button type="button" className="button" onClick={copy}>
      {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Press Ctrl+C to copy' : 'Copy'}
    </button>
  );
}
