import { clsx } from 'clsx';
import { Switch as S } from 'radix-ui';
import { useId, type ReactNode } from 'react';

export function Switch(props: {
  checked: boolean;
  onCheckedChange: (checked: boolean) => void;
  label: ReactNode;
  description?: ReactNode;
  disabled?: boolean;
}) {
  const id = useId();
  return (
    <div className={clsx('flex items-start justify-between gap-4', props.disabled && 'opacity-60')}>
      <div className="min-w-0">
        <label htmlFor={id} className="text-sm font-medium">
          {props.label}
        </label>
        {props.description ? (
          <div id={`${id}-d`} className="mt-0.5 text-[13px] text-muted">
            {props.description}
          </div>
        ) : null}
      </div>
      <S.Root
        id={id}
        checked={props.checked}
        onCheckedChange={props.onCheckedChange}
        {...(props.disabled ? { disabled: true } : {})}
        {...(props.description ? { 'aria-describedby': `${id}-d` } : {})}
        className="focus-ring relative mt-0.5 inline-flex h-5 w-9 shrink-0 items-center rounded-full bg-border-strong transition-colors data-[state=checked]:bg-primary disabled:cursor-not-allowed"
      >
        <S.Thumb className="block size-4 translate-x-0.5 rounded-full bg-white shadow transition-transform data-[state=checked]:translate-x-[18px]" />
      </S.Root>
    </div>
  );
}
