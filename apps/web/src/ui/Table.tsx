import { clsx } from 'clsx';
import { ChevronRight } from 'lucide-react';
import type { ComponentProps, ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';

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

/** A row; `linked` for a row whose RowLink makes the whole row clickable. */
export function TR({ className, linked, ...rest }: ComponentProps<'tr'> & { linked?: boolean }) {
  return <tr className={clsx('align-middle', linked && 'relative hover:bg-surface-2/60', className)} {...rest} />;
}

export function TH({ className, ...rest }: ComponentProps<'th'>) {
  return <th scope="col" className={clsx('px-4 py-2.5 font-medium whitespace-nowrap', className)} {...rest} />;
}

export function TD({ className, ...rest }: ComponentProps<'td'>) {
  return <td className={clsx('px-4 py-3', className)} {...rest} />;
}

/**
 * The row's main link, stretched over the whole row (of a `<TR linked>`) so a click anywhere opens it,
 * while keyboard and screen-reader users meet one link per row with a label that names the row.
 */
export function RowLink({ to, label, children }: { to: string; label: string; children: ReactNode }) {
  return (
    <Link to={to} className="focus-ring block truncate rounded font-medium after:absolute after:inset-0" aria-label={label}>
      {children}
    </Link>
  );
}

/** The header of a column of row actions: empty to the eye, named for screen readers. */
export function ActionsTH({ className }: { className?: string }) {
  const { t } = useTranslation();
  return (
    <TH className={className ?? 'w-12'}>
      <span className="sr-only">{t('common.actions')}</span>
    </TH>
  );
}

/** The "opens" chevron at the end of a linked row (phones drop it to save the width). */
export function ChevronTD() {
  return (
    <TD className="hidden text-right text-subtle sm:table-cell">
      <ChevronRight className="ml-auto size-4" aria-hidden />
    </TD>
  );
}
