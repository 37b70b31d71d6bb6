import { useQuery, useQueryClient } from '@tanstack/react-query';
import { RefreshCw, Rocket } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../lib/errors';
import { useFormat } from '../../lib/format';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardFooter, CardHeader } from '../../ui/Card';
import { ConfirmDialog } from '../../ui/Dialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { LoadingBlock } from '../../ui/Spinner';
import { useToast } from '../../ui/Toast';
import { campaignKey, campaignsApi, CAMPAIGNS_KEY, type Campaign } from './campaigns.api';
import { SkipReasons } from './SkipReasons';
import { useChannels } from '../channels/channels.api';

/** Before launch: who passes the gate and who is skipped by reason, the ETA and the split over days; then Launch. */
export function PlanCard({ campaign, canLaunch }: { campaign: Campaign; canLaunch: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const channels = useChannels();
  const plan = useQuery({
    queryKey: [...campaignKey(campaign.id), 'plan', campaign.updatedAt],
    queryFn: () => campaignsApi.plan(campaign.id),
    staleTime: 0,
    gcTime: 0,
  });
  const scheduled = campaign.schedule.at !== null && new Date(campaign.schedule.at).getTime() > Date.now();
  const maxDay = Math.max(1, ...(plan.data?.days.map((d) => d.count) ?? []));
  const launch = async () => {
    try {
      const updated = await campaignsApi.act(campaign.id, 'launch');
      queryClient.setQueryData(campaignKey(campaign.id), updated);
      void queryClient.invalidateQueries({ queryKey: [...CAMPAIGNS_KEY, 'list'] });
      toast.success(updated.status === 'scheduled' ? t('campaignsUi.plan.scheduled') : t('campaignsUi.plan.launched'));
    } catch (error) {
      toast.error(errorText(error, t));
      throw error;
    }
  };
  return (
    <Card>
      <CardHeader
        title={t('campaignsUi.plan.title')}
        description={t('campaignsUi.plan.description')}
        actions={
          <Button variant="ghost" size="sm" icon={<RefreshCw className="size-4" aria-hidden />} onClick={() => void plan.refetch()} disabled={plan.isFetching}>
            {t('campaignsUi.plan.refresh')}
          </Button>
        }
      />
      <CardBody className="space-y-5">
        {plan.isPending || (plan.isFetching && !plan.data) ? <LoadingBlock label={t('campaignsUi.plan.computing')} /> : null}
        {plan.isError ? <ErrorAlert error={plan.error} onRetry={() => void plan.refetch()} /> : null}
        {plan.data ? (
          <>
            <dl className="grid grid-cols-2 gap-3 sm:grid-cols-3" data-testid="plan">
              <div className="rounded-md bg-success-soft p-3">
                <dt className="text-[13px] text-success">{t('campaignsUi.plan.eligible')}</dt>
                <dd className="text-2xl font-semibold tabular-nums" data-testid="plan-eligible">
                  {fmt.number(plan.data.eligible)}
                </dd>
              </div>
              <div className="rounded-md bg-surface-2 p-3">
                <dt className="text-[13px] text-muted">{t('campaignsUi.plan.skipped')}</dt>
                <dd className="text-2xl font-semibold tabular-nums" data-testid="plan-skipped">
                  {fmt.number(plan.data.skipped)}
                </dd>
              </div>
              <div className="col-span-2 rounded-md bg-surface-2 p-3 sm:col-span-1">
                <dt className="text-[13px] text-muted">{t('campaignsUi.plan.eta')}</dt>
                <dd className="mt-1 text-sm font-medium">{plan.data.eta ? fmt.dateTime(plan.data.eta) : t('campaignsUi.plan.noEta')}</dd>
              </div>
            </dl>
            <div>
              <h3 className="mb-2 text-[13px] font-medium">{t('campaignsUi.plan.skippedTitle')}</h3>
              {plan.data.skipped === 0 ? <p className="text-[13px] text-muted">{t('campaignsUi.plan.noneSkipped')}</p> : <SkipReasons counts={plan.data.skippedByReason} />}
            </div>
            {plan.data.days.length > 1 ? (
              <div>
                <h3 className="mb-2 text-[13px] font-medium">{t('campaignsUi.plan.days')}</h3>
                {(plan.data.limits ?? [])
                  .filter((l) => l.perDay !== null && l.perDay === plan.data.dailyCap)
                  .slice(0, 1)
                  .map((l) => (
                    <p key={l.channelId} className="mb-2 text-[13px] text-muted" data-testid="plan-limit">
                      {t('campaignsUi.plan.limit', { channel: channels.data?.find((c) => c.id === l.channelId)?.name ?? '…', count: l.perDay! })}
                    </p>
                  ))}
                <ul className="space-y-1.5">
                  {plan.data.days.map((d) => (
                    <li key={d.date} className="grid grid-cols-[6rem_1fr_4rem] items-center gap-3 text-[13px]">
                      <span className="text-muted">{fmt.date(`${d.date}T12:00:00Z`)}</span>
                      <span className="h-2 rounded-full bg-surface-2">
                        <span className="block h-full rounded-full bg-primary" style={{ width: `${(d.count / maxDay) * 100}%` }} />
                      </span>
                      <span className="text-right tabular-nums">{fmt.number(d.count)}</span>
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            {plan.data.eligible === 0 ? <Alert tone="warning">{t('campaignsUi.plan.nobody')}</Alert> : null}
          </>
        ) : null}
      </CardBody>
      {canLaunch ? (
        <CardFooter>
          <Button icon={<Rocket className="size-4" aria-hidden />} disabled={!plan.data || plan.data.eligible === 0 || plan.isFetching} onClick={() => setConfirming(true)}>
            {scheduled ? t('campaignsUi.plan.schedule') : t('campaignsUi.plan.launch')}
          </Button>
        </CardFooter>
      ) : null}
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        tone="primary"
        title={t('campaignsUi.plan.launchTitle', { name: campaign.name })}
        description={
          scheduled
            ? t('campaignsUi.plan.scheduleBody', { at: fmt.dateTime(campaign.schedule.at!), count: plan.data?.eligible ?? 0 })
            : t('campaignsUi.plan.launchBody', { count: plan.data?.eligible ?? 0 })
        }
        confirmLabel={scheduled ? t('campaignsUi.plan.schedule') : t('campaignsUi.plan.launch')}
        onConfirm={launch}
      />
    </Card>
  );
}
