import { useQueryClient } from '@tanstack/react-query';
import { Ban, Pause, Pencil, Play, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { errorText } from '../../lib/errors';
import { useFormat } from '../../lib/format';
import { useRealtimeEvent } from '../../lib/realtime';
import { Alert } from '../../ui/Alert';
import { Badge } from '../../ui/Badge';
import { Button, buttonClass } from '../../ui/Button';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { ConfirmDialog } from '../../ui/Dialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { LoadingBlock } from '../../ui/Spinner';
import { useToast } from '../../ui/Toast';
import { useCan } from '../auth/session';
import { useChannels } from '../channels/channels.api';
import { useSegments } from '../contacts/contacts.api';
import { actionsFor, campaignKey, campaignsApi, CAMPAIGNS_KEY, statusTone, useCampaign, useMessageTemplates, type Campaign, type CampaignAction } from './campaigns.api';
import { PlanCard } from './PlanCard';
import { ProgressCard } from './ProgressCard';
import { RecipientsReport } from './RecipientsReport';

type Confirmable = Exclude<CampaignAction, 'launch'> | 'delete';

export function CampaignPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const campaign = useCampaign(id);
  if (campaign.isPending) return <LoadingBlock label={t('common.loading')} />;
  if (campaign.isError)
    return (
      <Page>
        <ErrorAlert error={campaign.error} title={t('campaignsUi.page.notFound')} onRetry={() => void campaign.refetch()} />
      </Page>
    );
  return <CampaignView campaign={campaign.data} />;
}

/** The known auto-pause reasons in plain words; another code is shown as it is. */
export function usePausedReasonText() {
  const { t } = useTranslation();
  const known = ['failure_rate', 'opt_out_rate', 'quality_red', 'template_paused', 'template_disabled', 'channel_disabled', 'provider_error_131048', 'provider_error_132015', 'provider_error_132016', 'provider_error_132000', 'provider_error_132012', 'template_not_approved', 'template_header_needs_media', 'template_header_takes_no_media', 'template_header_media_type', 'channel_removed', 'template_removed', 'template_header_parameters', 'template_body_parameters'] as const;
  return (reason: string) => {
    const hit = known.find((k) => k === reason);
    return hit ? t(`campaignsUi.pausedReason.${hit}`) : t('campaignsUi.pausedReason.other', { reason });
  };
}

function CampaignView({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const can = useCan();
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const pausedText = usePausedReasonText();
  const [confirming, setConfirming] = useState<Confirmable | null>(null);
  const canLaunch = can('campaigns.launch');
  const canManage = can('campaigns.manage');
  const draft = campaign.status === 'draft';

  useRealtimeEvent('campaign.alert', (data) => {
    const alert = data as { campaignId?: string; reason?: string };
    if (alert?.campaignId !== campaign.id || !alert.reason) return;
    // A number's circuit breaker: its sends wait (the campaign goes on); not a pause.
    if (alert.reason === 'channel_breaker_open') toast.error(t('campaignsUi.page.breakerOpened'), t('campaignsUi.page.breakerOpenedBody'));
    else if (alert.reason === 'channel_breaker_closed') toast.success(t('campaignsUi.page.breakerClosed'));
    // Meta approved the template again: the campaign stays paused until someone resumes it.
    else if (alert.reason === 'template_approved') toast.success(t('campaignsUi.page.templateApproved'), t('campaignsUi.page.templateApprovedBody'));
    else toast.error(t('campaignsUi.page.autoPaused'), pausedText(alert.reason));
  });

  const act = async (action: Confirmable) => {
    try {
      if (action === 'delete') {
        await campaignsApi.remove(campaign.id);
        await queryClient.invalidateQueries({ queryKey: [...CAMPAIGNS_KEY, 'list'] });
        toast.success(t('campaignsUi.page.deleted'));
        void navigate('/campaigns');
        return;
      }
      const updated = await campaignsApi.act(campaign.id, action);
      queryClient.setQueryData(campaignKey(campaign.id), updated);
      void queryClient.invalidateQueries({ queryKey: [...CAMPAIGNS_KEY, 'list'] });
      toast.success(t(action === 'pause' ? 'campaignsUi.page.paused' : action === 'resume' ? 'campaignsUi.page.resumed' : 'campaignsUi.page.cancelled'));
    } catch (error) {
      toast.error(errorText(error, t));
      // The state may have moved under us (the engine paused or completed it): show what it is now.
      void queryClient.invalidateQueries({ queryKey: campaignKey(campaign.id), exact: true });
      throw error;
    }
  };

  const actions = canLaunch ? actionsFor(campaign.status).filter((a) => a !== 'launch') : [];
  const icons = { pause: Pause, resume: Play, cancel: Ban } as const;
  const when = campaign.completedAt
    ? t('campaignsUi.page.completedAt', { at: fmt.dateTime(campaign.completedAt) })
    : campaign.launchedAt
      ? t('campaignsUi.page.eta', { at: fmt.dateTime(campaign.launchedAt) })
      : campaign.schedule.at
        ? t('campaignsUi.page.scheduledFor', { at: fmt.dateTime(campaign.schedule.at) })
        : null;

  return (
    <Page wide>
      <PageHeader
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span className="min-w-0 break-words">{campaign.name}</span>
            <Badge tone={statusTone(campaign.status)} dot>
              <span data-testid="campaign-status" data-status={campaign.status}>
                {t(`campaignsUi.status.${campaign.status}`)}
              </span>
            </Badge>
          </span>
        }
        description={when ?? undefined}
        actions={
          <div className="flex flex-wrap gap-2">
            {draft && canManage ? (
              <>
                <Link to={`/campaigns/${campaign.id}/edit`} className={buttonClass('secondary')}>
                  <Pencil className="size-4" aria-hidden />
                  {t('campaignsUi.page.edit')}
                </Link>
                <Button variant="ghost" icon={<Trash2 className="size-4" aria-hidden />} onClick={() => setConfirming('delete')}>
                  {t('campaignsUi.page.delete')}
                </Button>
              </>
            ) : null}
            {actions
              .filter((a) => !(draft && a === 'cancel'))
              .map((a) => {
                const Icon = icons[a as keyof typeof icons];
                return (
                  <Button key={a} variant={a === 'cancel' ? 'ghost' : 'secondary'} icon={Icon ? <Icon className="size-4" aria-hidden /> : undefined} onClick={() => setConfirming(a as Confirmable)}>
                    {t(`campaignsUi.page.${a as 'pause' | 'resume' | 'cancel'}`)}
                  </Button>
                );
              })}
          </div>
        }
      />
      <div className="space-y-6">
        {campaign.status === 'paused' && campaign.pausedReason ? (
          <Alert tone="danger" title={t('campaignsUi.page.autoPaused')}>
            <span data-testid="paused-reason">{pausedText(campaign.pausedReason)}</span>. {t('campaignsUi.page.autoPausedBody')}
          </Alert>
        ) : null}
        {campaign.status === 'paused' && campaign.stats.queued > 0 ? (
          <Alert tone="info">
            <span data-testid="held-by-pause">{t('campaignsUi.page.heldByPause', { count: campaign.stats.queued })}</span>
          </Alert>
        ) : null}
        <TemplateHealth campaign={campaign} />
        <HeldSends campaign={campaign} />
        {draft ? <PlanCard campaign={campaign} canLaunch={canLaunch} /> : <ProgressCard campaign={campaign} />}
        <div className="grid gap-6 lg:grid-cols-[minmax(0,2fr)_minmax(0,1fr)]">
          <div className="min-w-0">
            <RecipientsReport campaign={campaign} />
          </div>
          <div className="min-w-0">
            <SettingsCard campaign={campaign} />
          </div>
        </div>
      </div>
      <ConfirmDialog
        open={confirming !== null}
        onOpenChange={(open) => !open && setConfirming(null)}
        tone={confirming === 'resume' ? 'primary' : 'danger'}
        title={confirming ? t(`campaignsUi.page.${confirming}Title`) : ''}
        description={confirming === 'delete' ? t('campaignsUi.page.deleteBody', { name: campaign.name }) : confirming ? t(`campaignsUi.page.${confirming}Body`) : ''}
        confirmLabel={confirming ? t(`campaignsUi.page.${confirming}`) : ''}
        onConfirm={() => (confirming ? act(confirming) : undefined)}
      />
    </Page>
  );
}

const TEMPLATE_PAUSE_REASONS = ['template_paused', 'template_disabled', 'template_not_approved', 'provider_error_132015', 'provider_error_132016'];
const HEADER_FILES = ['IMAGE', 'VIDEO', 'DOCUMENT'] as const;

/**
 * The WhatsApp template's standing on the campaign's numbers: where Meta has not approved it (a launch
 * or resume is refused until it does), or, on a campaign paused for its template, that it is approved
 * again and the campaign can be resumed (it does not resume by itself).
 */
function TemplateHealth({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation();
  const health = campaign.templateHealth ?? [];
  const blocked = health.filter((h) => h.status !== null && h.status !== 'APPROVED');
  if (blocked.length > 0) {
    const consequence = campaign.status === 'draft' ? 'blocksLaunch' : campaign.status === 'paused' ? 'blocksResume' : campaign.status === 'scheduled' ? 'blocksStart' : 'blocksSends';
    return (
      <>
        {blocked.map((h) => (
          <Alert key={h.channelId} tone="warning" title={t('campaignsUi.page.templateBlockedTitle', { template: `${h.name} (${h.language})`, channel: h.channelName ?? '…' })}>
            <span data-testid="template-blocked" data-status={h.status}>
              {h.status === 'MISSING' ? t('campaignsUi.page.templateMissing') : t('campaignsUi.page.templateStatus', { status: h.status })} {t(`campaignsUi.page.${consequence}`)}
            </span>
          </Alert>
        ))}
      </>
    );
  }
  // The campaign template's file does not fit the Meta template's header (decision 0048): Meta would refuse every send.
  const mismatched = health.filter((h) => h.status === 'APPROVED' && h.mediaProblem);
  if (mismatched.length > 0 && (campaign.status === 'draft' || campaign.status === 'paused' || campaign.status === 'scheduled')) {
    return (
      <>
        {mismatched.map((h) => {
          const format = HEADER_FILES.find((f) => f === h.headerFormat);
          return (
            <Alert key={h.channelId} tone="warning" title={t('campaignsUi.page.templateMediaTitle', { template: `${h.name} (${h.language})`, channel: h.channelName ?? '…' })}>
              <span data-testid="template-media-problem" data-reason={h.mediaProblem}>
                {t(`campaignsUi.page.mediaProblem.${h.mediaProblem!}`, { file: format ? t(`errors.headerFile.${format}`) : '', format: h.headerFormat ?? '—' })} {t('campaignsUi.page.mediaBlocks')}
              </span>
            </Alert>
          );
        })}
      </>
    );
  }
  // Its WhatsApp mapping fills other parameters than Meta's template takes (a header's {{1}}, the body's count): 132000 on every send.
  const unfit = health.filter((h) => h.status === 'APPROVED' && !h.mediaProblem && h.parameterProblem);
  if (unfit.length > 0 && (campaign.status === 'draft' || campaign.status === 'paused' || campaign.status === 'scheduled')) {
    return (
      <>
        {unfit.map((h) => (
          <Alert key={h.channelId} tone="warning" title={t('campaignsUi.page.templateParametersTitle', { template: `${h.name} (${h.language})`, channel: h.channelName ?? '…' })}>
            <span data-testid="template-parameter-problem" data-reason={h.parameterProblem}>
              {h.parameterProblem === 'template_header_parameters'
                ? t(h.headerParameters ? 'campaignsUi.page.headerParameterMissing' : 'campaignsUi.page.headerParameterExtra')
                : t('campaignsUi.page.bodyParametersDiffer', { count: h.bodyParameters ?? 0 })}{' '}
              {t('campaignsUi.page.parametersFix')} {t('campaignsUi.page.mediaBlocks')}
            </span>
          </Alert>
        ))}
      </>
    );
  }
  if (campaign.status === 'paused' && campaign.pausedReason && TEMPLATE_PAUSE_REASONS.includes(campaign.pausedReason) && health.length > 0 && health.every((h) => h.status === 'APPROVED')) {
    return (
      <Alert tone="success" title={t('campaignsUi.page.templateApproved')}>
        <span data-testid="template-approved-again">{t('campaignsUi.page.templateApprovedBody')}</span>
      </Alert>
    );
  }
  return null;
}

/** The numbers whose circuit breaker holds this campaign's sends (the provider kept failing), and when they try again. */
function HeldSends({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const channels = useChannels();
  if (campaign.status !== 'running' && campaign.status !== 'paused') return null;
  const held = (campaign.channelHealth ?? []).filter((h) => h.breaker !== 'closed');
  return (
    <>
      {held.map((h) => (
        <Alert key={h.channelId} tone="warning" title={t('campaignsUi.page.breakerTitle', { channel: channels.data?.find((c) => c.id === h.channelId)?.name ?? '…' })}>
          <span data-testid="breaker-alert" data-breaker={h.breaker}>
            {h.breaker === 'open' && h.retryAt ? t('campaignsUi.page.breakerBody', { at: fmt.dateTime(h.retryAt) }) : t('campaignsUi.page.breakerProbing')}
          </span>
          {h.lastError ? <span className="mt-1 block break-words text-muted">{h.lastError}</span> : null}
        </Alert>
      ))}
    </>
  );
}

function SettingsCard({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation();
  const channels = useChannels();
  const templates = useMessageTemplates();
  const segments = useSegments();
  const pacing = campaign.pacing as { mode?: string; delaySeconds?: number; minSeconds?: number; maxSeconds?: number; overHours?: number };
  const audience = campaign.audience as { segmentId?: string; all?: boolean; contactIds?: string[] };
  const template = templates.data?.find((x) => x.id === campaign.templateId);
  const rows: [string, string][] = [
    [t('campaignsUi.page.audience'), audience.segmentId ? (segments.data?.find((s) => s.id === audience.segmentId)?.name ?? '…') : t('campaignsUi.builder.audienceAll')],
    [t('campaignsUi.page.template'), template?.name ?? (templates.isSuccess ? t('campaignsUi.page.removedTemplate') : '…')],
    [t('campaignsUi.page.channels'), campaign.channelIds.map((id) => channels.data?.find((c) => c.id === id)?.name ?? t('campaignsUi.page.removedChannel')).join(', ')],
    [
      t('campaignsUi.page.pacing'),
      pacing.mode === 'random'
        ? t('campaignsUi.page.pacingRandom', { min: pacing.minSeconds, max: pacing.maxSeconds })
        : pacing.mode === 'spread'
          ? t('campaignsUi.page.pacingSpread', { hours: pacing.overHours })
          : t('campaignsUi.page.pacingFixed', { seconds: pacing.delaySeconds ?? 0 }),
    ],
    [
      t('campaignsUi.page.window'),
      campaign.sendWindow ? `${campaign.sendWindow.days.map((d) => t(`campaignsUi.weekdays.d${d as 1}`)).join(' ')} · ${campaign.sendWindow.start}–${campaign.sendWindow.end}` : t('campaignsUi.page.noWindow'),
    ],
    [t('campaignsUi.page.minScore'), String(campaign.minScore)],
    [t('campaignsUi.page.validated'), campaign.requireValidated ? t('campaignsUi.page.yes') : t('campaignsUi.page.no')],
  ];
  if (campaign.perNumberRate !== null) rows.push([t('campaignsUi.builder.perNumberRate'), String(campaign.perNumberRate)]);
  if (campaign.dailyCap !== null) rows.push([t('campaignsUi.builder.dailyCap'), String(campaign.dailyCap)]);
  if (campaign.frequencyCapDays !== null) rows.push([t('campaignsUi.builder.frequencyCap'), String(campaign.frequencyCapDays)]);
  return (
    <Card>
      <CardHeader title={t('campaignsUi.page.settings')} />
      <CardBody>
        <dl className="space-y-3 text-[13px]">
          {rows.map(([label, value]) => (
            <div key={label}>
              <dt className="text-muted">{label}</dt>
              <dd className="break-words">{value}</dd>
            </div>
          ))}
        </dl>
      </CardBody>
    </Card>
  );
}
