import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';

const KNOWN = ['opted_out', 'blacklisted', 'no_consent', 'invalid_phone', 'not_validated', 'below_threshold', 'outside_window', 'frequency_cap', 'channel_unavailable'] as const;
type Known = (typeof KNOWN)[number];
const isKnown = (reason: string): reason is Known => (KNOWN as readonly string[]).includes(reason);

/** A skip reason in plain words (the send gate's codes, decision 0014). */
export function useSkipReasonText() {
  const { t } = useTranslation();
  return (reason: string) => (isKnown(reason) ? t(`campaignsUi.skip.${reason}`) : t('campaignsUi.skip.unknown'));
}

/** Skipped recipients by reason, most frequent first. */
export function SkipReasons({ counts }: { counts: Record<string, number> }) {
  const fmt = useFormat();
  const text = useSkipReasonText();
  const rows = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort(([, a], [, b]) => b - a);
  return (
    <ul className="divide-y divide-border rounded-md border border-border" data-testid="skip-reasons">
      {rows.map(([reason, n]) => (
        <li key={reason} data-reason={reason} className="flex items-center justify-between gap-3 px-3 py-2 text-[13px]">
          <span>{text(reason)}</span>
          <span className="font-medium tabular-nums">{fmt.number(n)}</span>
        </li>
      ))}
    </ul>
  );
}
