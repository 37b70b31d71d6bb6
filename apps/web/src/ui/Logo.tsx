import { clsx } from 'clsx';

export function LogoMark({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" aria-hidden className={clsx('size-7 shrink-0', className)}>
      <rect width="32" height="32" rx="8" fill="var(--lm-primary)" />
      <path d="M10 8v16h12" fill="none" stroke="#fff" strokeWidth="3.5" strokeLinecap="round" strokeLinejoin="round" />
      <circle cx="21.5" cy="11.5" r="3" fill="#fff" />
    </svg>
  );
}
