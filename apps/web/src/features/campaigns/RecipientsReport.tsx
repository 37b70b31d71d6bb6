import { Download } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useFormat } from '../../lib/format';
import { Badge } from '../../ui/Badge';
import { buttonClass } from '../../ui/Button';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { LoadMore } from '../../ui/ListStates';
import { Select } from '../../ui/Select';
import { LoadingBlock } from '../../ui/Spinner';
import { Table, TBody, TD, TH, THead, TR } from '../../ui/Table';
import { RECIPIENT_STATES, recipientsExportUrl, useRecipients, type Campaign, type RecipientState } from './campaigns.api';
import { useSkipReasonText } from './SkipReasons';

const tone = (status: RecipientState) =>
  status === 'failed' ? 'danger' : status === 'skipped' || status === 'ambiguous' ? 'warning' : status === 'pending' ? 'neutral' : status === 'queued' ? 'primary' : 'success';

/** The per-recipient report: one row per ledger entry, filtered by status, exportable as CSV. */
export function RecipientsReport({ campaign }: { campaign: Campaign }) {
  const { t, i18n } = useTranslation();
  const fmt = useFormat();
  const reasonText = useSkipReasonText();
  // A send that failed says why in words where the inbox knows the provider's code; the bare code otherwise.
  const failureText = (code: string) => (i18n.exists(`inboxUi.failure.${code}`) ? t(`inboxUi.failure.${code}` as 'inboxUi.failure.unknown') : t('campaignsUi.report.error', { code }));
  const [status, setStatus] = useState<RecipientState | null>(null);
  const draft = campaign.status === 'draft';
  const recipients = useRecipients(campaign.id, status, !draft);
  const rows = recipients.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Card>
      <CardHeader
        title={t('campaignsUi.report.title')}
        actions={
          draft ? null : (
            <>
              <Select
                aria-label={t('campaignsUi.report.filter')}
                className="h-8 w-40"
                value={status ?? 'all'}
                onValueChange={(v) => setStatus(v === 'all' ? null : (v as RecipientState))}
                options={[{ value: 'all', label: t('campaignsUi.report.all') }, ...RECIPIENT_STATES.map((s) => ({ value: s, label: t(`campaignsUi.recipientStatus.${s}`) }))]}
              />
              <a href={recipientsExportUrl(campaign.id, status)} download className={buttonClass('secondary', 'sm')}>
                <Download className="size-4" aria-hidden />
                {t('campaignsUi.report.export')}
              </a>
            </>
          )
        }
      />
      {draft ? (
        <CardBody>
          <p className="text-[13px] text-muted">{t('campaignsUi.report.emptyDraft')}</p>
        </CardBody>
      ) : recipients.isPending ? (
        <CardBody>
          <LoadingBlock label={t('common.loading')} />
        </CardBody>
      ) : recipients.isError ? (
        <CardBody>
          <ErrorAlert error={recipients.error} onRetry={() => void recipients.refetch()} />
        </CardBody>
      ) : rows.length === 0 ? (
        <CardBody>
          <p className="text-[13px] text-muted">{t('campaignsUi.report.empty')}</p>
        </CardBody>
      ) : (
        <div className="overflow-x-auto">
          <Table label={t('campaignsUi.report.title')} className="rounded-none border-0 shadow-none">
            <THead>
              <TR>
                <TH>{t('campaignsUi.report.contact')}</TH>
                <TH>{t('campaignsUi.report.status')}</TH>
                <TH className="hidden sm:table-cell">{t('campaignsUi.report.detail')}</TH>
                <TH className="hidden md:table-cell">{t('campaignsUi.report.updated')}</TH>
              </TR>
            </THead>
            <TBody>
              {rows.map((r) => (
                <TR key={r.contactId} data-testid="recipient-row" data-status={r.status}>
                  <TD className="max-w-[12rem] truncate">
                    <ContactName id={r.contactId} name={r.contactName} />
                  </TD>
                  <TD>
                    <Badge tone={tone(r.status)}>{t(`campaignsUi.recipientStatus.${r.status}`)}</Badge>
                  </TD>
                  <TD className="hidden text-muted sm:table-cell">{r.skipReason ? reasonText(r.skipReason) : r.errorCode ? <span title={r.errorCode}>{failureText(r.errorCode)}</span> : ''}</TD>
                  <TD className="hidden whitespace-nowrap text-muted md:table-cell">
                    <time dateTime={r.updatedAt}>{fmt.dateTime(r.updatedAt)}</time>
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
          <LoadMore query={recipients} size="sm" className="flex justify-center border-t border-border p-3" />
        </div>
      )}
    </Card>
  );
}

// The ledger page carries each contact's name, so the report never asks for contacts one by one.
function ContactName({ id, name }: { id: string; name: string }) {
  return (
    <Link to={`/contacts/${id}`} className="focus-ring rounded text-link underline-offset-4 hover:underline">
      {name || '—'}
    </Link>
  );
}
