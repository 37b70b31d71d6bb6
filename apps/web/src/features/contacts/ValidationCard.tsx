import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';
import { Badge } from '../../ui/Badge';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Spinner } from '../../ui/Spinner';
import { ValidationBadge } from './ContactBits';
import { useValidationHistory, type Contact } from './contacts.api';

const TONE = { approved: 'success', rejected: 'danger', note: 'neutral', expired: 'warning' } as const;

/** Whether a person has checked this prospect, who and when, and every review before. */
export function ValidationCard({ contact, userName }: { contact: Contact; userName: (id: string) => string | undefined }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const history = useValidationHistory(contact.id);
  const v = contact.validation;
  return (
    <Card>
      <CardHeader title={t('review.title')} actions={<ValidationBadge contact={contact} />} />
      <CardBody className="space-y-3 text-[13px]">
        {v.at ? (
          <p className="text-muted">
            {t(v.status === 'rejected' ? 'review.rejectedBy' : 'review.approvedBy', { name: (v.by && userName(v.by)) ?? t('contacts.anotherUser'), when: fmt.dateTime(v.at) })}
            {v.reason ? ` — ${v.reason}` : ''}
          </p>
        ) : (
          <p className="text-muted">{t('review.notYet')}</p>
        )}
        {v.expiresAt ? <p className="text-muted">{t('review.expiresAt', { when: fmt.date(v.expiresAt) })}</p> : null}
        {history.isPending ? <Spinner label={t('common.loading')} /> : null}
        {history.isError ? <ErrorAlert error={history.error} onRetry={() => void history.refetch()} /> : null}
        {history.data?.length ? (
          <ol className="space-y-1.5 border-t border-border pt-3">
            {history.data.map((event, index) => (
              <li key={`${event.at}-${index}`} className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5">
                <Badge tone={TONE[event.action]}>{t(`review.actions.${event.action}`)}</Badge>
                <span className="min-w-0 flex-1 text-muted">{event.reason ?? event.note ?? ''}</span>
                <span className="text-xs text-subtle">
                  {event.userId ? `${userName(event.userId) ?? t('contacts.anotherUser')} · ` : ''}
                  <time dateTime={event.at} title={fmt.dateTime(event.at)}>
                    {fmt.relative(event.at)}
                  </time>
                </span>
              </li>
            ))}
          </ol>
        ) : null}
      </CardBody>
    </Card>
  );
}
