import { clsx } from 'clsx';

/**
 * A progress bar. `value` is 0..1; null means "working, amount unknown" (an indeterminate stripe).
 * The label names what progresses, for screen readers.
 */
export function Progress({ value, label, tone = 'primary', className }: { value: number | null; label: string; tone?: 'primary' | 'success' | 'danger'; className?: string }) {
  const percent = value === null ? null : Math.round(Math.max(0, Math.min(1, value)) * 100);
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      {...(percent === null ? {} : { 'aria-valuenow': percent })}
      className={clsx('h-2 w-full overflow-hidden rounded-full bg-surface-2', className)}
    >
      <div
        className={clsx(
          'h-full rounded-full transition-[width] duration-300',
          tone === 'success' ? 'bg-success' : tone === 'danger' ? 'bg-danger' : 'bg-primary',
          percent === null && 'w-1/3 animate-indeterminate',
        )}
        style={percent === null ? undefined : { width: `${percent}%` }}
      />
    </div>
  );
}
