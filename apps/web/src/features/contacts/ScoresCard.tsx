import type { Contact } from '@leadmaster/contracts';
import { clsx } from 'clsx';
import { useTranslation } from 'react-i18next';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { contactabilityTone } from './ContactBits';

const SCORES = ['contactability', 'digitalMaturity', 'potential'] as const;
const TEXT = { success: 'text-success', warning: 'text-warning', danger: 'text-danger', primary: 'text-link' } as const;
const BAR = { success: 'bg-success', warning: 'bg-warning', danger: 'bg-danger', primary: 'bg-primary' } as const;

/**
 * A component in the user's language when its code is a known one; rule labels (the tenant's own
 * words) as written. The server's label carries what varies ("2 failed deliveries", "social
 * profiles: instagram"): its leading number is the count, what follows ": " the detail.
 */
export function useComponentLabel() {
  const { t } = useTranslation();
  return (part: { code: string; label: string }) => {
    const count = Number.parseInt(part.label, 10);
    const colon = part.label.indexOf(': ');
    return t(`scores.components.${part.code}` as 'scores.components.consent', {
      defaultValue: part.label,
      detail: colon >= 0 ? part.label.slice(colon + 2) : '',
      ...(Number.isFinite(count) ? { count } : {}),
    });
  };
}

/** The three scores with the components that made them ("Valid mobile +40"). */
export function ScoreExplanation(props: { contact: Pick<Contact, 'scores' | 'scoreDetails'>; threshold: number; compact?: boolean }) {
  const { t } = useTranslation();
  const componentLabel = useComponentLabel();
  return (
    <div className={clsx('grid gap-4', props.compact ? 'sm:grid-cols-3' : 'gap-5 md:grid-cols-3 lg:grid-cols-1')}>
      {SCORES.map((score) => {
        const value = props.contact.scores[score];
        const tone = score === 'contactability' ? contactabilityTone(value, props.threshold) : 'primary';
        const parts = props.contact.scoreDetails?.[score] ?? [];
        return (
          <section key={score} aria-labelledby={`score-${score}`} data-testid={`score-${score}`}>
            <div className="flex items-baseline justify-between gap-2">
              <h3 id={`score-${score}`} className="text-[13px] font-medium text-muted">
                {t(`scores.${score}`)}
              </h3>
              <p className={clsx('text-2xl font-semibold tabular-nums', TEXT[tone])} data-testid="score-value">
                {value}
                <span className="text-xs font-normal text-subtle">/100</span>
              </p>
            </div>
            <div className="mt-1 h-1.5 overflow-hidden rounded-full bg-surface-2" aria-hidden>
              <div className={clsx('h-full rounded-full', BAR[tone])} style={{ width: `${value}%` }} />
            </div>
            {score === 'contactability' ? (
              <p className="mt-1 text-xs text-subtle">{value >= props.threshold ? t('scores.aboveThreshold', { threshold: props.threshold }) : t('scores.belowThreshold', { threshold: props.threshold })}</p>
            ) : null}
            <ul className="mt-2 space-y-1 text-[13px]" aria-label={t('scores.explanation', { score: t(`scores.${score}`) })}>
              {parts.length === 0 ? <li className="text-subtle">{t('scores.noComponents')}</li> : null}
              {parts.map((part, index) => (
                <li key={`${part.code}-${index}`} className="flex items-baseline justify-between gap-3">
                  <span className="min-w-0 text-muted first-letter:uppercase">{componentLabel(part)}</span>
                  <span className={clsx('shrink-0 font-medium tabular-nums', part.points > 0 ? 'text-success' : part.points < 0 ? 'text-danger' : 'text-subtle')}>
                    {part.points > 0 ? `+${part.points}` : part.points}
                  </span>
                </li>
              ))}
            </ul>
          </section>
        );
      })}
    </div>
  );
}

export function ScoresCard(props: { contact: Contact; threshold: number }) {
  const { t } = useTranslation();
  return (
    <Card>
      <CardHeader title={t('scores.title')} description={t('scores.body')} />
      <CardBody>
        <ScoreExplanation contact={props.contact} threshold={props.threshold} />
      </CardBody>
    </Card>
  );
}
