import { clsx } from 'clsx';

export function initials(name: string) {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  return ((parts[0]?.[0] ?? '') + (parts.length > 1 ? (parts.at(-1)?.[0] ?? '') : '')).toUpperCase() || '?';
}

/** Initials in a circle; decorative, the name is always written next to it. */
export function Avatar({ name, className }: { name: string; className?: string }) {
  return (
    <span aria-hidden className={clsx('flex size-8 shrink-0 items-center justify-center rounded-full bg-primary-soft text-xs font-semibold text-link', className)}>
      {initials(name)}
    </span>
  );
}
