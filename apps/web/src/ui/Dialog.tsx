import { clsx } from 'clsx';
import { X } from 'lucide-react';
import { AlertDialog as AD, Dialog as D } from 'radix-ui';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert } from './Alert';
import { Button } from './Button';

const overlay = 'fixed inset-0 z-40 bg-overlay animate-fade-in';
const panel = clsx(
  'fixed top-1/2 left-1/2 z-50 flex max-h-[calc(100dvh-2rem)] w-[calc(100vw-2rem)] -translate-x-1/2 -translate-y-1/2 flex-col',
  'rounded-lg border border-border bg-surface shadow-2xl animate-pop-in focus:outline-none',
);
const WIDTHS = { sm: 'max-w-md', md: 'max-w-lg', lg: 'max-w-2xl' };

/**
 * A modal dialog (focus trapped, Esc closes, focus returns to the trigger). With `onSubmit` the body
 * is a form, so Enter submits and the footer's submit button works without extra wiring.
 */
export function Dialog(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  description?: ReactNode;
  children?: ReactNode;
  footer?: ReactNode;
  size?: keyof typeof WIDTHS;
  onSubmit?: (event: FormEvent<HTMLFormElement>) => void;
  /** Prevents closing by Esc or clicking outside (e.g. while a secret is shown). */
  dismissible?: boolean;
}) {
  const { t } = useTranslation();
  const dismissible = props.dismissible ?? true;
  const body = (
    <>
      <div className="flex items-start justify-between gap-4 border-b border-border px-5 py-4">
        <div className="min-w-0">
          <D.Title className="text-base font-semibold">{props.title}</D.Title>
          {props.description ? <D.Description className="mt-1 text-[13px] text-muted">{props.description}</D.Description> : null}
        </div>
        {dismissible ? (
          <D.Close asChild>
            <Button variant="ghost" size="icon" className="-mt-1 -mr-2 size-8" aria-label={t('common.close')}>
              <X className="size-4" aria-hidden />
            </Button>
          </D.Close>
        ) : null}
      </div>
      <div className="min-h-0 flex-1 overflow-y-auto px-5 py-4">{props.children}</div>
      {props.footer ? <div className="flex flex-wrap justify-end gap-2 border-t border-border px-5 py-3">{props.footer}</div> : null}
    </>
  );
  return (
    <D.Root open={props.open} onOpenChange={props.onOpenChange}>
      <D.Portal>
        <D.Overlay className={overlay} />
        <D.Content
          className={clsx(panel, WIDTHS[props.size ?? 'md'])}
          {...(props.description ? {} : { 'aria-describedby': undefined })}
          onEscapeKeyDown={(e) => !dismissible && e.preventDefault()}
          onPointerDownOutside={(e) => !dismissible && e.preventDefault()}
          onInteractOutside={(e) => !dismissible && e.preventDefault()}
        >
          {props.onSubmit ? (
            <form
              noValidate
              className="flex min-h-0 flex-1 flex-col"
              onSubmit={(e) => {
                e.preventDefault();
                props.onSubmit?.(e);
              }}
            >
              {body}
            </form>
          ) : (
            body
          )}
        </D.Content>
      </D.Portal>
    </D.Root>
  );
}

/**
 * A dialog that is a form, with Cancel and a submit button. While `busy` it stays open (Esc, outside
 * clicks and Cancel wait) and the submit button spins; `error` is what went wrong with the whole form
 * (field errors belong beside their fields).
 */
export function FormDialog(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  description?: ReactNode;
  size?: keyof typeof WIDTHS;
  onSubmit: () => void;
  busy: boolean;
  submitLabel: ReactNode;
  /** Said instead of the label while busy, e.g. "Creating…". */
  busyLabel?: ReactNode;
  tone?: 'primary' | 'danger';
  error?: ReactNode;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const { busy, onOpenChange } = props;
  return (
    <Dialog
      open={props.open}
      onOpenChange={(open) => !busy && onOpenChange(open)}
      title={props.title}
      {...(props.description ? { description: props.description } : {})}
      {...(props.size ? { size: props.size } : {})}
      onSubmit={props.onSubmit}
      footer={
        <>
          <Button variant="secondary" disabled={busy} onClick={() => onOpenChange(false)}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" variant={props.tone ?? 'primary'} loading={busy} loadingText={props.busyLabel}>
            {props.submitLabel}
          </Button>
        </>
      }
    >
      {props.error ? (
        <Alert tone="danger" className="mb-4">
          {props.error}
        </Alert>
      ) : null}
      {props.children}
    </Dialog>
  );
}

/**
 * Asks before something destructive. `onConfirm` may be async: the button spins until it settles and
 * the dialog closes only if it succeeded (errors are reported by the caller, e.g. with a toast).
 */
export function ConfirmDialog(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  title: ReactNode;
  description: ReactNode;
  confirmLabel: ReactNode;
  tone?: 'danger' | 'primary';
  onConfirm: () => Promise<unknown> | void;
}) {
  const { t } = useTranslation();
  const [busy, setBusy] = useState(false);
  const confirm = async () => {
    setBusy(true);
    try {
      await props.onConfirm();
      props.onOpenChange(false);
    } catch {
      /* the caller showed what went wrong; keep the dialog open to retry */
    } finally {
      setBusy(false);
    }
  };
  return (
    <AD.Root open={props.open} onOpenChange={(open) => !busy && props.onOpenChange(open)}>
      <AD.Portal>
        <AD.Overlay className={overlay} />
        <AD.Content className={clsx(panel, WIDTHS.sm)}>
          <div className="px-5 pt-5 pb-4">
            <AD.Title className="text-base font-semibold">{props.title}</AD.Title>
            <AD.Description className="mt-2 text-[13px] text-muted">{props.description}</AD.Description>
          </div>
          <div className="flex flex-wrap justify-end gap-2 border-t border-border px-5 py-3">
            <AD.Cancel asChild>
              <Button variant="secondary" disabled={busy}>
                {t('common.cancel')}
              </Button>
            </AD.Cancel>
            <Button variant={props.tone === 'primary' ? 'primary' : 'danger'} loading={busy} onClick={() => void confirm()}>
              {props.confirmLabel}
            </Button>
          </div>
        </AD.Content>
      </AD.Portal>
    </AD.Root>
  );
}
