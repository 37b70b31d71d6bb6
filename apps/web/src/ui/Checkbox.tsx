import { clsx } from 'clsx';
import { Check, Minus } from 'lucide-react';
import { Checkbox as C } from 'radix-ui';
import { useId, type ReactNode } from 'react';

/** A checkbox with its label (clicking the label toggles it). */
export function Checkbox(props: {
  checked: boolean | 'indeterminate';
  onCheckedChange: (checked: boolean) => void;
  label: ReactNode;
  description?: ReactNode;
  disabled?: boolean;
  className?: string;
}) {
  const id = useId();
  return (
    <div className={clsx('flex items-start gap-2.5', props.disabled && 'opacity-60', props.className)}>
      <C.Root
        id={id}
        checked={props.checked}
        onCheckedChange={(v) => props.onCheckedChange(v === true)}
        {...(props.disabled ? { disabled: true } : {})}
        {...(props.description ? { 'aria-describedby': `${id}-d` } : {})}
        className={clsx(
          'focus-ring mt-0.5 flex size-4 shrink-0 items-center justify-center rounded-[4px] border border-border-strong bg-surface',
          'data-[state=checked]:border-primary data-[state=checked]:bg-primary data-[state=indeterminate]:border-primary data-[state=indeterminate]:bg-primary',
          'text-primary-fg disabled:cursor-not-allowed',
        )}
      >
        <C.Indicator>
          {props.checked === 'indeterminate' ? <Minus className="size-3" strokeWidth={3} aria-hidden /> : <Check className="size-3" strokeWidth={3} aria-hidden />}
        </C.Indicator>
      </C.Root>
      <div className="min-w-0">
        <label htmlFor={id} className={clsx('text-sm', !props.disabled && 'cursor-pointer')}>
          {props.label}
        </label>
        {props.description ? (
          <p id={`${id}-d`} className="text-[13px] text-muted">
            {props.description}
          </p>
        ) : null}
      </div>
    </div>
  );
}

/** A checkbox without a visible label (a table row's selection); `label` is read to screen readers. */
export function BareCheckbox(props: { checked: boolean | 'indeterminate'; onCheckedChange: (checked: boolean) => void; label: string; className?: string }) {
  return (
    <C.Root
      checked={props.checked}
      onCheckedChange={(v) => props.onCheckedChange(v === true)}
      aria-label={props.label}
      className={clsx(
        'focus-ring flex size-4 shrink-0 items-center justify-center rounded-[4px] border border-border-strong bg-surface',
        'data-[state=checked]:border-primary data-[state=checked]:bg-primary data-[state=indeterminate]:border-primary data-[state=indeterminate]:bg-primary',
        'text-primary-fg',
        props.className,
      )}
    >
      <C.Indicator>
        {props.checked === 'indeterminate' ? <Minus className="size-3" strokeWidth={3} aria-hidden /> : <Check className="size-3" strokeWidth={3} aria-hidden />}
      </C.Indicator>
    </C.Root>
  );
}
