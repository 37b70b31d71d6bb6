import { clsx } from 'clsx';
import { Loader2 } from 'lucide-react';

export function Spinner({ className, label }: { className?: string; label?: string }) {
  return (
    <span role={label ? 'status' : undefined} className="inline-flex items-center gap-2">
      <Loader2 aria-hidden className={clsx('size-4 animate-spin', className)} />
      {label ? <span className="text-muted">{label}</span> : null}
    </span>
  );
}

/** A whole-area loading state (a page or a card body). */
export function LoadingBlock({ label }: { label: string }) {
  return (
    <div className="flex min-h-40 items-center justify-center p-8">
      <Spinner label={label} className="size-5 text-muted" />
    </div>
  );
}
