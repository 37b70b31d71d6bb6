import { clsx } from 'clsx';
import { Eye, EyeOff } from 'lucide-react';
import { useState, type ComponentProps } from 'react';
import { useTranslation } from 'react-i18next';

export const inputClass = clsx(
  'focus-ring block h-9 w-full min-w-0 rounded-md border border-border-strong bg-surface px-3 text-sm text-fg shadow-xs',
  'placeholder:text-subtle disabled:cursor-not-allowed disabled:opacity-60',
  'aria-invalid:border-danger aria-invalid:focus-visible:outline-danger',
);

export function Input({ className, ...rest }: ComponentProps<'input'>) {
  return <input className={clsx(inputClass, className)} {...rest} />;
}

export function Textarea({ className, ...rest }: ComponentProps<'textarea'>) {
  return <textarea className={clsx(inputClass, 'h-auto min-h-20 py-2', className)} {...rest} />;
}

/** A password input with a show/hide toggle. */
export function PasswordInput({ className, ...rest }: Omit<ComponentProps<'input'>, 'type'>) {
  const { t } = useTranslation();
  const [visible, setVisible] = useState(false);
  return (
    <div className="relative">
      <input type={visible ? 'text' : 'password'} className={clsx(inputClass, 'pr-10', className)} {...rest} />
      <button
        type="button"
        onClick={() => setVisible((v) => !v)}
        className="focus-ring absolute inset-y-0 right-0 flex w-9 items-center justify-center rounded-r-md text-subtle hover:text-fg"
        aria-label={visible ? t('common.hidePassword') : t('common.showPassword')}
        aria-pressed={visible}
      >
        {visible ? <EyeOff className="size-4" aria-hidden /> : <Eye className="size-4" aria-hidden />}
      </button>
    </div>
  );
}
