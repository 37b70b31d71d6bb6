import type { Contact } from '@leadmaster/contracts';
import { clsx } from 'clsx';
import { Ban, Check, Minus, ShieldCheck, TriangleAlert, X } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { Badge } from '../../ui/Badge';
import { CONSENT_CHANNELS } from './contacts.api';
import { formatPhone } from './phone';

/** The number as the server normalised it, the raw entry as its title; an invalid one as typed, flagged. */
export function PhoneText({ contact, className }: { contact: Pick<Contact, 'phone' | 'phoneE164' | 'phoneValid'>; className?: string }) {
  const { t } = useTranslation();
  if (!contact.phone && !contact.phoneE164) return <span className="text-subtle">—</span>;
  if (!contact.phoneValid || !contact.phoneE164) {
    return (
      <span className={clsx('inline-flex min-w-0 items-center gap-1.5', className)}>
        <span className="truncate">{contact.phone}</span>
        <Badge tone="warning" className="px-1.5">
          <TriangleAlert className="size-3" aria-hidden />
          {t('contacts.phoneInvalid')}
        </Badge>
      </span>
    );
  }
  return (
    <span className={clsx('truncate tabular-nums', className)} title={contact.phone}>
      {formatPhone(contact.phoneE164)}
    </span>
  );
}

/** Green at or above the send threshold, amber within 20 points of it, red below. */
export function contactabilityTone(score: number, threshold: number): 'success' | 'warning' | 'danger' {
  if (score >= threshold) return 'success';
  if (score >= threshold - 20) return 'warning';
  return 'danger';
}

const BAR: Record<'success' | 'warning' | 'danger' | 'primary', string> = {
  success: 'bg-success',
  warning: 'bg-warning',
  danger: 'bg-danger',
  primary: 'bg-primary',
};

/** A 0–100 score as a short bar with its number. */
export function ScoreBar(props: { value: number; label: string; short?: string; tone?: keyof typeof BAR; className?: string }) {
  const { value, label, short, tone = 'primary', className } = props;
  return (
    <span className={clsx('inline-flex items-center gap-1.5', className)} title={`${label}: ${value}`}>
      <span className="sr-only">{`${label}: ${value}`}</span>
      {short ? (
        <span aria-hidden className="w-2.5 text-[10px] font-semibold text-subtle">
          {short}
        </span>
      ) : null}
      <span aria-hidden className="h-1.5 w-10 overflow-hidden rounded-full bg-surface-2">
        <span className={clsx('block h-full rounded-full', BAR[tone])} style={{ width: `${Math.max(0, Math.min(100, value))}%` }} />
      </span>
      <span aria-hidden className="w-6 text-right text-xs text-muted tabular-nums">
        {value}
      </span>
    </span>
  );
}

const CHANNEL_SHORT = { whatsapp: 'WA', imessage: 'iM', sms: 'SMS' } as const;

/** Consent per channel: a chip each, green opted in, red opted out, grey unknown. */
export function ConsentChips({ consent }: { consent: Contact['consent'] }) {
  const { t } = useTranslation();
  return (
    <span className="inline-flex gap-1">
      {CONSENT_CHANNELS.map((channel) => {
        const status = consent[channel] ?? consent.any;
        const label = `${t(`consent.channels.${channel}`)}: ${status ? t(`consent.status.${status}`) : t('consent.status.none')}`;
        const Icon = status === 'opted_in' ? Check : status === 'opted_out' ? X : Minus;
        return (
          <span
            key={channel}
            title={label}
            aria-label={label}
            role="img"
            className={clsx(
              'inline-flex items-center gap-0.5 rounded px-1 py-0.5 text-[10px] leading-none font-semibold',
              status === 'opted_in' ? 'bg-success-soft text-success' : status === 'opted_out' ? 'bg-danger-soft text-danger' : 'bg-surface-2 text-subtle',
            )}
          >
            <Icon className="size-2.5" strokeWidth={3} aria-hidden />
            {CHANNEL_SHORT[channel]}
          </span>
        );
      })}
    </span>
  );
}

export function ValidationBadge({ contact }: { contact: Pick<Contact, 'validation' | 'validated'> }) {
  const { t } = useTranslation();
  const status = contact.validation.status;
  const expired = status === 'approved' && !contact.validated;
  if (expired) return <Badge tone="warning">{t('review.expired')}</Badge>;
  return (
    <Badge tone={status === 'approved' ? 'success' : status === 'rejected' ? 'danger' : 'neutral'}>
      {status === 'approved' ? <ShieldCheck className="size-3" aria-hidden /> : null}
      {t(`review.status.${status}`)}
    </Badge>
  );
}

export function BlockedBadge() {
  const { t } = useTranslation();
  return (
    <Badge tone="danger">
      <Ban className="size-3" aria-hidden />
      {t('contacts.blocked')}
    </Badge>
  );
}
