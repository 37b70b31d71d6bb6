import { clsx } from 'clsx';
import type { ComponentProps, ReactNode } from 'react';

/** A data table that scrolls sideways on narrow screens instead of overflowing the page. */
export function Table({ children, className, label }: { children: ReactNode; className?: string; label?: string }) {
  return (
    <div className={clsx('relative overflow-x-auto rounded-lg border border-border bg-surface', className)}>
      <table className="w-full border-collapse text-left text-sm" {...(label ? { 'aria-label': label } : {})}>
        {children}
      </table>
    </div>
  );
}

export function THead({ children }: { children: ReactNode }) {
  return <thead className="border-b border-border bg-surface-2/60 text-xs font-medium tracking-wide text-muted uppercase">{children}</thead>;
}

export function TBody({ children }: { children: ReactNode }) {
  return <tbody className="divide-y divide-border">{children}</tbody>;
}

export function TR({ className, ...rest }: ComponentProps<'tr'>) {
  return <tr className={clsx('align-middle', className)} {...rest} />;
}

export function TH({ className, ...rest }: ComponentProps<'th'>) {
  return <th scope="col" className={clsx('px-4 py-2.5 font-medium whitespace-nowrap', className)} {...rest} />;
}

export function TD({ className, ...rest }: ComponentProps<'td'>) {
  return <td className={clsx('px-4 py-3', className)} {...rest} />;
}
