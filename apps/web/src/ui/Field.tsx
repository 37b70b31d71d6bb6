import { clsx } from 'clsx';
import { useId, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

export type ControlProps = { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string };

/**
 * A labelled form control with its hint and error: the render prop receives the id and ARIA wiring
 * so the label, the hint and the error are announced with the control.
 */
export function Field(props: {
  label: ReactNode;
  error?: string | undefined;
  hint?: ReactNode;
  optional?: boolean;
  className?: string;
  children: (control: ControlProps) => ReactNode;
}) {
  const { t } = useTranslation();
  const id = useId();
  // The error replaces the hint: both would usually say the same thing twice.
  const hint = props.error ? null : props.hint;
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = props.error ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={clsx('flex flex-col gap-1.5', props.className)}>
      <label htmlFor={id} className="text-[13px] font-medium text-fg">
        {props.label}
        {props.optional ? <span className="ml-1 font-normal text-subtle">({t('common.optional')})</span> : null}
      </label>
      {props.children({ id, ...(props.error ? { 'aria-invalid': true as const } : {}), ...(describedBy ? { 'aria-describedby': describedBy } : {}) })}
      {props.error ? (
        <p id={errorId} className="text-[13px] text-danger">
          {props.error}
        </p>
      ) : null}
      {hint ? (
        <p id={hintId} className="text-[13px] text-muted">
          {hint}
        </p>
      ) : null}
    </div>
  );
}
