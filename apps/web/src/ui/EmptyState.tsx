import { clsx } from 'clsx';
import type { LucideIcon } from 'lucide-react';
import type { ReactNode } from 'react';

/** What is (not) here and what to do next. */
export function EmptyState(props: { icon: LucideIcon; title: ReactNode; body?: ReactNode; action?: ReactNode; badge?: ReactNode; className?: string }) {
  const Icon = props.icon;
  return (
    <div className={clsx('flex flex-col items-center justify-center px-6 py-14 text-center', props.className)}>
      <div className="mb-4 flex size-12 items-center justify-center rounded-xl border border-border bg-surface-2 text-muted">
        <Icon className="size-6" aria-hidden />
      </div>
      {props.badge ? <div className="mb-2">{props.badge}</div> : null}
      <h2 className="text-base font-semibold">{props.title}</h2>
      {props.body ? <p className="mt-1.5 max-w-md text-sm text-muted">{props.body}</p> : null}
      {props.action ? <div className="mt-5 flex flex-wrap justify-center gap-2">{props.action}</div> : null}
    </div>
  );
}
