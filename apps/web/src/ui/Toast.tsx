import { clsx } from 'clsx';
import { CheckCircle2, X, XCircle } from 'lucide-react';
import { Toast as T } from 'radix-ui';
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

type ToastTone = 'success' | 'danger' | 'info';
type ToastItem = { id: number; tone: ToastTone; title: ReactNode; description?: ReactNode };
type Notify = (toast: Omit<ToastItem, 'id'> | 'clear') => void;

const ToastContext = createContext<Notify>(() => undefined);
let nextId = 1;

/** Short confirmations and failures that do not belong to a form ("Role deleted", "Could not revoke"). */
export function ToastProvider({ children }: { children: ReactNode }) {
  const { t } = useTranslation();
  const [toasts, setToasts] = useState<ToastItem[]>([]);
  const notify = useCallback<Notify>((toast) => setToasts((list) => (toast === 'clear' ? [] : [...list.slice(-3), { ...toast, id: nextId++ }])), []);
  const remove = (id: number) => setToasts((list) => list.filter((x) => x.id !== id));
  return (
    <ToastContext.Provider value={notify}>
      <T.Provider swipeDirection="right" duration={5000} label={t('common.close')}>
        {children}
        {toasts.map((toast) => (
          <T.Root
            key={toast.id}
            type={toast.tone === 'danger' ? 'foreground' : 'background'}
            onOpenChange={(open) => !open && remove(toast.id)}
            className="flex items-start gap-3 rounded-lg border border-border bg-surface p-3 pr-2 shadow-xl animate-fade-in data-[swipe=end]:animate-none"
          >
            {toast.tone === 'danger' ? (
              <XCircle className="mt-0.5 size-4 shrink-0 text-danger" aria-hidden />
            ) : (
              <CheckCircle2 className={clsx('mt-0.5 size-4 shrink-0', toast.tone === 'success' ? 'text-success' : 'text-link')} aria-hidden />
            )}
            <div className="min-w-0 flex-1">
              <T.Title className="text-sm font-medium">{toast.title}</T.Title>
              {toast.description ? <T.Description className="mt-0.5 text-[13px] text-muted">{toast.description}</T.Description> : null}
            </div>
            <T.Close className="focus-ring rounded p-1 text-subtle hover:text-fg" aria-label={t('common.close')}>
              <X className="size-4" aria-hidden />
            </T.Close>
          </T.Root>
        ))}
        <T.Viewport className="fixed right-0 bottom-0 z-[60] m-0 flex w-full max-w-sm list-none flex-col gap-2 p-4 outline-none" />
      </T.Provider>
    </ToastContext.Provider>
  );
}

export function useToast() {
  const notify = useContext(ToastContext);
  return useMemo(
    () => ({
      success: (title: ReactNode, description?: ReactNode) => notify({ tone: 'success', title, description }),
      error: (title: ReactNode, description?: ReactNode) => notify({ tone: 'danger', title, description }),
      info: (title: ReactNode, description?: ReactNode) => notify({ tone: 'info', title, description }),
      /** Drops every toast (e.g. on sign-out, so the next person does not see them). */
      clear: () => notify('clear'),
    }),
    [notify],
  );
}
