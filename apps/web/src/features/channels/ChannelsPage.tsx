import type { Channel } from '@leadmaster/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { Plus, RadioTower } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { EmptyState } from '../../ui/EmptyState';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { ListStates } from '../../ui/ListStates';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { ActionsTH, ChevronTD, RowLink, Table, TBody, TD, TH, THead, TR } from '../../ui/Table';
import { useCan } from '../auth/session';
import { AddChannelDialog } from './AddChannelDialog';
import { statusTone } from './ChannelPage';
import { CHANNELS_KEY, useChannels, useInboundProblems, useWhatsAppWebSession } from './channels.api';
import { KindMark, ServiceDots } from './kinds';

/** The channel accounts of the workspace, a way to add each kind, and the events that could not be processed. */
export function ChannelsPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const can = useCan();
  const queryClient = useQueryClient();
  const channels = useChannels();
  const [adding, setAdding] = useState(false);
  const manage = can('channels.manage');
  const addButton = manage ? (
    <Button icon={<Plus className="size-4" aria-hidden />} onClick={() => setAdding(true)}>
      {t('channels.add')}
    </Button>
  ) : null;
  return (
    <Page wide>
      <PageHeader title={t('channels.title')} description={t('channels.subtitle')} actions={channels.data?.length ? addButton : null} />
      <ListStates query={channels} items={channels.data} empty={<EmptyState icon={RadioTower} title={t('channels.emptyTitle')} body={t('channels.emptyBody')} action={addButton} />}>
        {(rows) => (
          <Table label={t('channels.title')}>
            <THead>
              <TR>
                <TH>{t('channels.columns.name')}</TH>
                <TH className="hidden md:table-cell">{t('channels.columns.kind')}</TH>
                <TH>{t('channels.columns.status')}</TH>
                <TH className="hidden sm:table-cell">{t('channels.columns.created')}</TH>
                <ActionsTH className="hidden w-10 sm:table-cell" />
              </TR>
            </THead>
            <TBody>
              {rows.map((c) => (
                <TR key={c.id} data-testid="channel-row" linked>
                  <TD className="max-w-[12rem] sm:max-w-none">
                    <div className="flex min-w-0 items-center gap-3">
                      <span className="hidden min-[400px]:contents">
                        <KindMark kind={c.kind} />
                      </span>
                      <div className="min-w-0">
                        <RowLink to={`/channels/${c.id}`} label={t('channels.open', { name: c.name })}>
                          {c.name}
                        </RowLink>
                        <p className="truncate text-xs text-muted md:hidden">{t(`channels.kind.${c.kind}`)}</p>
                      </div>
                    </div>
                  </TD>
                  <TD className="hidden md:table-cell">
                    <div className="space-y-0.5">
                      <p className="text-sm">{t(`channels.kind.${c.kind}`)}</p>
                      <ServiceDots kind={c.kind} />
                    </div>
                  </TD>
                  <TD>
                    <ChannelStatus channel={c} />
                  </TD>
                  <TD className="hidden whitespace-nowrap text-muted sm:table-cell">
                    <time dateTime={c.createdAt}>{fmt.date(c.createdAt)}</time>
                  </TD>
                  <ChevronTD />
                </TR>
              ))}
            </TBody>
          </Table>
        )}
      </ListStates>
      {manage ? <InboundProblems channels={channels.data ?? []} /> : null}
      <AddChannelDialog open={adding} onOpenChange={setAdding} onCreated={() => void queryClient.invalidateQueries({ queryKey: CHANNELS_KEY })} />
    </Page>
  );
}

/** The account's status; a WhatsApp Web listener shows its live session state instead while active. */
function ChannelStatus({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const web = channel.kind === 'whatsapp_web' && channel.status === 'active';
  const session = useWhatsAppWebSession(channel.id, web);
  if (web && session.data) {
    const s = session.data.state;
    const tone = s === 'READY' ? 'success' : s === 'QR_REQUIRED' ? 'primary' : s === 'LOGGED_OUT' || s === 'FAILED' ? 'danger' : s === 'RECONNECTING' ? 'warning' : 'neutral';
    return (
      <Badge tone={tone} dot>
        {t(`channels.session.short.${s}`)}
      </Badge>
    );
  }
  return (
    <Badge tone={statusTone(channel.status)} dot>
      {t(`channels.status.${channel.status}`)}
    </Badge>
  );
}

function InboundProblems({ channels }: { channels: Channel[] }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const problems = useInboundProblems(true);
  const name = (id: string) => channels.find((c) => c.id === id)?.name ?? t('channels.problems.unknownChannel');
  if (!problems.data?.length && !problems.isError) return null;
  return (
    <Card className="mt-8">
      <CardHeader title={t('channels.problems.title')} description={t('channels.problems.description')} />
      <CardBody className="space-y-3">
        {problems.isError ? <ErrorAlert error={problems.error} onRetry={() => void problems.refetch()} /> : null}
        {problems.data?.map((p) => (
          <details key={p.id} data-testid="inbound-problem" className="rounded-md border border-border">
            <summary className="focus-ring flex cursor-pointer flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2 text-[13px]">
              <Badge tone={p.status === 'dead' ? 'danger' : 'warning'}>{t(`channels.problems.status.${p.status}`)}</Badge>
              <span className="font-medium">{name(p.channelId)}</span>
              <span className="min-w-0 flex-1 truncate text-danger">{p.error}</span>
              <time className="text-muted" dateTime={p.receivedAt}>{fmt.dateTime(p.receivedAt)}</time>
              <span className="text-muted">{t('channels.problems.columns.attempts')}: {p.attempts}</span>
            </summary>
            <div className="border-t border-border px-3 py-2">
              <p className="mb-1 text-xs text-muted">{t('channels.problems.preview')}</p>
              <pre className="max-h-48 overflow-auto rounded bg-surface-2 p-2 font-mono text-xs break-all whitespace-pre-wrap">{p.preview}</pre>
            </div>
          </details>
        ))}
      </CardBody>
    </Card>
  );
}
