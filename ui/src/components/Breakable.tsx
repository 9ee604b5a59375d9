// Long ids, file paths and URLs: they may wrap after a separator ("/", ".", "-", "_", ":", "?",
// "&", "="), never in the middle of a word; the full text is in the title tooltip.
import { Fragment } from 'react';

export function Breakable({ text, className }: { text: string; className?: string }) {
  const parts = text.split(/(?<=[/.\-_:?&=@])/);
  return (
    <span className={`wrap-soft${className ? ` ${className}` : ''}`} title={text}>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {part}
        </Fragment>
      ))}
    </span>
  );
}
