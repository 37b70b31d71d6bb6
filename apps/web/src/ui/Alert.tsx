import { clsx } from 'clsx';
import { AlertTriangle, CheckCircle2, Info, XCircle } from 'lucide-react';
import type { ReactNode } from 'react';

type Tone = 'info' | 'success' | 'warning' | 'danger';
const STYLES: Record<Tone, { box: string; Icon: typeof Info }> = {
  info: { box: 'border-border bg-surface-2 text-fg', Icon: Info },
  success: { box: 'border-transparent bg-success-soft text-success', Icon: CheckCircle2 },
  warning: { box: 'border-transparent bg-warning-soft text-warning', Icon: AlertTriangle },
  danger: { box: 'border-transparent bg-danger-soft text-danger', Icon: XCircle },
};

/** An inline message. Danger alerts are announced to screen readers as they appear. */
export function Alert({ tone = 'info', title, children, className }: { tone?: Tone; title?: ReactNode; children?: ReactNode; className?: string }) {
  const { box, Icon } = STYLES[tone];
  return (
    <div role={tone === 'danger' ? 'alert' : 'status'} className={clsx('flex gap-2.5 rounded-md border px-3 py-2.5 text-[13px]', box, className)}>
      <Icon aria-hidden className="mt-0.5 size-4 shrink-0" />
      <div className="min-w-0 space-y-0.5">
        {title ? <p className="font-medium">{title}</p> : null}
        {children ? <div className={clsx(title && 'opacity-90')}>{children}</div> : null}
      </div>
    </div>
  );
}
