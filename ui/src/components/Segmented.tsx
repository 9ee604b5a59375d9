// A row of radio buttons that looks like a segmented control (styles: .segmented). Arrow keys
// move between the options, as with any radio group.
import { useId } from 'react';

export function Segmented<T extends string>({
  label,
  options,
  value,
  onChange,
  disabled,
}: {
  label: string;
  options: readonly { id: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
  disabled?: boolean;
}) {
  const name = useId();
  return (
    <div className="segmented" role="radiogroup" aria-label={label}>
      {options.map((o) => (
        <label key={o.id} className={value === o.id ? 'selected' : ''}>
          <input type="radio" name={name} value={o.id} checked={value === o.id} onChange={() => onChange(o.id)} disabled={disabled} />
          {o.label}
        </label>
      ))}
    </div>
  );
}
