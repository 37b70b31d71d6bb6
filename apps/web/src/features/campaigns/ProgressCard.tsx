import { clsx } from 'clsx';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';
import { useRealtimeStatus } from '../../lib/realtime';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { Progress } from '../../ui/Progress';
import { ratio, type Campaign } from './campaigns.api';
import { SkipReasons } from './SkipReasons';
import { TimelineChart } from './TimelineChart';

const COUNTERS = ['pending', 'queued', 'sent', 'delivered', 'read', 'replied', 'failed', 'ambiguous', 'skipped'] as const;

/**
 * Live progress from the ledger's counts (the realtime bridge refreshes them on `campaign.progress`),
 * and the same outcomes over time (TimelineChart, refreshed by the bridge too).
 */
export function ProgressCard({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const realtime = useRealtimeStatus();
  const s = campaign.stats;
  const done = s.total - s.pending - s.queued;
  const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);
  const rates = [
    ['delivery', ratio(s.delivered, s.sent)],
    ['read', ratio(s.read, s.sent)],
    ['reply', ratio(s.replied, s.sent)],
    ['failure', ratio(s.failed, s.sent + s.failed)],
  ] as const;
  const open = campaign.status === 'running' || campaign.status === 'scheduled';
  return (
    <Card>
      <CardHeader
        title={t('campaignsUi.page.progress')}
        actions={
          open && realtime === 'open' ? (
            <span className="flex items-center gap-1.5 text-xs text-success">
              <span className="size-2 animate-pulse rounded-full bg-success" aria-hidden />
              {t('campaignsUi.page.live')}
            </span>
          ) : null
        }
      />
      <CardBody className="space-y-5">
        <div className="space-y-1.5">
          <Progress value={s.total ? done / s.total : campaign.status === 'completed' ? 1 : null} label={t('campaignsUi.page.progress')} tone={campaign.status === 'completed' ? 'success' : 'primary'} />
          <p className="text-[13px] text-muted" data-testid="progress-label">
            {t('campaignsUi.page.progressLabel', { done: fmt.number(done), total: fmt.number(s.total) })}
            {open && s.eta ? (
              <span data-testid="live-eta">
                {' · '}
                {t('campaignsUi.page.liveEta', { at: fmt.dateTime(s.eta) })}
              </span>
            ) : null}
          </p>
        </div>
        <dl className="grid grid-cols-3 gap-2 sm:grid-cols-5 xl:grid-cols-9" data-testid="counters">
          {COUNTERS.map((key) => (
            <div key={key} className={clsx('rounded-md bg-surface-2 px-3 py-2', key === 'failed' && s.failed > 0 && 'bg-danger-soft')} data-testid={`counter-${key}`} data-value={s[key]}>
              <dt className="text-xs leading-tight text-muted">{key === 'queued' && campaign.status === 'paused' ? t('campaignsUi.page.counters.held') : t(`campaignsUi.page.counters.${key}`)}</dt>
              <dd className="text-lg font-semibold tabular-nums">{fmt.number(s[key])}</dd>
            </div>
          ))}
        </dl>
        <div>
          <h3 className="mb-2 text-[13px] font-medium">
            {t('campaignsUi.page.rates')} <span className="font-normal text-muted">· {t('campaignsUi.page.rateHint')}</span>
          </h3>
          <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4">
            {rates.map(([key, value]) => (
              <div key={key} className="space-y-1">
                <dt className="text-xs text-muted">{t(`campaignsUi.page.rate.${key}`)}</dt>
                <dd className="text-sm font-semibold tabular-nums">{percent(value)}</dd>
                <Progress value={value ?? 0} label={t(`campaignsUi.page.rate.${key}`)} tone={key === 'failure' ? 'danger' : 'success'} className="h-1.5" />
              </div>
            ))}
          </dl>
        </div>
        {s.skipped > 0 ? (
          <div>
            <h3 className="mb-2 text-[13px] font-medium">{t('campaignsUi.plan.skippedTitle')}</h3>
            <SkipReasons counts={s.skippedByReason} />
          </div>
        ) : null}
        <TimelineChart campaign={campaign} />
      </CardBody>
    </Card>
  );
}
