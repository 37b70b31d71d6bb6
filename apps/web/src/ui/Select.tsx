import { clsx } from 'clsx';
import { Check, ChevronDown } from 'lucide-react';
import { Select as S } from 'radix-ui';
import type { ReactNode } from 'react';
import type { ControlProps } from './Field';
import { inputClass } from './Input';

export type SelectOption = { value: string; label: ReactNode; textValue?: string; disabled?: boolean };

/** An accessible select (keyboard, typeahead). Use inside <Field> by spreading the control props. */
export function Select(
  props: Partial<ControlProps> & {
    value: string;
    onValueChange: (value: string) => void;
    options: SelectOption[];
    placeholder?: string;
    disabled?: boolean;
    className?: string;
    'aria-label'?: string;
  },
) {
  const { value, onValueChange, options, placeholder, disabled, className, ...aria } = props;
  return (
    <S.Root value={value} onValueChange={onValueChange} {...(disabled ? { disabled } : {})}>
      <S.Trigger className={clsx(inputClass, 'flex items-center justify-between gap-2 text-left', className)} {...aria}>
        <span className="truncate">
          <S.Value placeholder={placeholder} />
        </span>
        <S.Icon>
          <ChevronDown className="size-4 text-subtle" aria-hidden />
        </S.Icon>
      </S.Trigger>
      <S.Portal>
        <S.Content
          position="popper"
          sideOffset={4}
          className="z-50 max-h-[min(var(--radix-select-content-available-height),20rem)] min-w-[var(--radix-select-trigger-width)] overflow-hidden rounded-md border border-border bg-surface shadow-xl animate-fade-in"
        >
          <S.Viewport className="p-1">
            {options.map((o) => (
              <S.Item
                key={o.value}
                value={o.value}
                {...(o.textValue ? { textValue: o.textValue } : {})}
                {...(o.disabled ? { disabled: true } : {})}
                className="relative flex cursor-default items-center rounded-sm py-1.5 pr-8 pl-2 text-sm outline-none select-none data-[disabled]:opacity-50 data-[highlighted]:bg-hover"
              >
                <S.ItemText>{o.label}</S.ItemText>
                <S.ItemIndicator className="absolute right-2">
                  <Check className="size-4 text-link" aria-hidden />
                </S.ItemIndicator>
              </S.Item>
            ))}
          </S.Viewport>
        </S.Content>
      </S.Portal>
    </S.Root>
  );
}
