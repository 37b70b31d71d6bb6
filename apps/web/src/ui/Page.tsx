import { clsx } from 'clsx';
import type { ReactNode } from 'react';

/** The content column of a screen. */
export function Page({ children, className, wide, full }: { children: ReactNode; className?: string; wide?: boolean; full?: boolean }) {
  // `full` is for dense tables (contacts) that use every pixel of a wide screen.
  return <div className={clsx('mx-auto w-full px-4 py-6 sm:px-6 lg:px-8 lg:py-8', full ? 'max-w-[96rem]' : wide ? 'max-w-6xl' : 'max-w-4xl', className)}>{children}</div>;
}
