import { clsx } from 'clsx';
import { X } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ControlProps } from './Field';

/**
 * Tags as removable chips and a text box: Enter or comma adds what was typed, Backspace on an empty
 * box removes the last chip. Use inside <Field> by spreading the control props.
 */
export function TagInput(
  props: Partial<ControlProps> & { value: string[]; onChange: (tags: string[]) => void; placeholder?: string; disabled?: boolean; max?: number; className?: string },
) {
  const { t } = useTranslation();
  const { value, onChange, placeholder, disabled, max = 50, className, ...control } = props;
  const [draft, setDraft] = useState('');
  const add = (text: string) => {
    const tags = text
      .split(',')
      .map((s) => s.trim().slice(0, 60))
      .filter(Boolean);
    const next = [...new Set([...value, ...tags])].slice(0, max);
    if (next.length !== value.length) onChange(next);
    setDraft('');
  };
  return (
    <div
      className={clsx(
        'flex min-h-9 w-full flex-wrap items-center gap-1.5 rounded-md border border-border-strong bg-surface px-2 py-1 shadow-xs focus-within:outline-2 focus-within:outline-offset-2 focus-within:outline-ring',
        disabled && 'opacity-60',
        className,
      )}
    >
      {value.map((tag) => (
        <span key={tag} className="inline-flex items-center gap-1 rounded-full bg-primary-soft py-0.5 pr-1 pl-2 text-xs font-medium text-link">
          {tag}
          {disabled ? null : (
            <button
              type="button"
              className="focus-ring rounded-full p-0.5 hover:bg-hover"
              aria-label={t('common.removeTag', { tag })}
              onClick={() => onChange(value.filter((x) => x !== tag))}
            >
              <X className="size-3" aria-hidden />
            </button>
          )}
        </span>
      ))}
      <input
        {...control}
        disabled={disabled}
        value={draft}
        placeholder={value.length ? undefined : placeholder}
        onChange={(e) => (e.target.value.includes(',') ? add(e.target.value) : setDraft(e.target.value))}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && draft.trim()) {
            e.preventDefault();
            add(draft);
          } else if (e.key === 'Backspace' && !draft && value.length) {
            onChange(value.slice(0, -1));
          }
        }}
        onBlur={() => draft.trim() && add(draft)}
        className="h-7 min-w-24 flex-1 bg-transparent text-sm text-fg outline-none placeholder:text-subtle"
      />
    </div>
  );
}
