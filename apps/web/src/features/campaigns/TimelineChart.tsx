import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';
import { Spinner } from '../../ui/Spinner';
import { timelineBucket, useTimeline, type Campaign, type Timeline } from './campaigns.api';

// Drawn in this order, widest first: where the funnel is perfect (every queued message delivered
// and read) the lines lie on each other and still show as nested bands.
const SERIES = [
  { key: 'queued', color: 'var(--color-border-strong)', width: 9, dash: undefined },
  { key: 'sent', color: 'var(--color-primary)', width: 6.5, dash: undefined },
  { key: 'delivered', color: '#2aa3b3', width: 4, dash: undefined },
  { key: 'read', color: 'var(--color-success)', width: 2, dash: undefined },
  { key: 'replied', color: 'var(--color-warning)', width: 2, dash: '6 3' },
  { key: 'failed', color: 'var(--color-danger)', width: 2, dash: '2 3' },
] as const;
type SeriesKey = (typeof SERIES)[number]['key'];

// The drawing's own units; it stretches to the card's width (labels are HTML, so they stay readable on a phone).
const WIDTH = 1000;
const HEIGHT = 200;
const PAD = 6;

/**
 * The campaign's outcomes over time, as running totals (a step line per outcome), from
 * GET /campaigns/:id/timeline. A plain SVG: no chart library is a dependency of the web app. For
 * screen readers the same figures are a table.
 */
export function TimelineChart({ campaign }: { campaign: Campaign }) {
  const { t } = useTranslation();
  const bucket = timelineBucket(campaign);
  const timeline = useTimeline(campaign.id, bucket, Boolean(campaign.launchedAt));
  if (!campaign.launchedAt) return null;
  if (timeline.isPending) return <Spinner />;
  if (timeline.isError) return <p className="text-xs text-danger">{t('campaignsUi.page.chartError')}</p>;
  return <Chart timeline={timeline.data} />;
}

function Chart({ timeline }: { timeline: Timeline }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const points = timeline.points;
  const title = t('campaignsUi.page.chartTitle');
  if (points.length === 0) {
    return (
      <figure data-testid="timeline-chart" data-points={0}>
        <figcaption className="mb-1 text-[13px] font-medium">{title}</figcaption>
        <p className="text-xs text-subtle">{t('campaignsUi.page.chartEmpty')}</p>
      </figure>
    );
  }
  // Running totals at the end of each bucket.
  const totals: Record<SeriesKey, number[]> = { queued: [], sent: [], delivered: [], read: [], replied: [], failed: [] };
  for (const { key } of SERIES) {
    let sum = 0;
    for (const p of points) totals[key].push((sum += p[key]));
  }
  const step = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[timeline.bucket];
  // From one bucket before the first (the zero line), to the end of the last bucket.
  const t0 = Date.parse(points[0]!.at) - step;
  const t1 = Date.parse(points.at(-1)!.at) + step;
  const max = Math.max(1, ...SERIES.map(({ key }) => totals[key].at(-1) ?? 0));
  const x = (ms: number) => ((ms - t0) / (t1 - t0)) * WIDTH;
  const y = (n: number) => HEIGHT - PAD - (n / max) * (HEIGHT - 2 * PAD);
  // A step line: a bucket's count is drawn from the bucket's start (what happened in that minute).
  const path = (key: SeriesKey) => {
    let d = `M0,${y(0).toFixed(1)}`;
    points.forEach((p, i) => {
      d += ` H${x(Date.parse(p.at)).toFixed(1)} V${y(totals[key][i]!).toFixed(1)}`;
    });
    return `${d} H${WIDTH}`;
  };
  const label = (iso: string) => (timeline.bucket === 'day' ? fmt.date(iso) : fmt.dateTime(iso));
  const last = Object.fromEntries(SERIES.map(({ key }) => [key, totals[key].at(-1) ?? 0])) as Record<SeriesKey, number>;
  const summary = t('campaignsUi.page.chartSummary', {
    from: label(points[0]!.at),
    to: label(new Date(t1).toISOString()),
    ...Object.fromEntries(SERIES.map(({ key }) => [key, fmt.number(last[key])])),
  });
  return (
    <figure data-testid="timeline-chart" data-points={points.length} data-bucket={timeline.bucket}>
      <figcaption className="mb-2 flex flex-wrap items-baseline justify-between gap-2">
        <span className="text-[13px] font-medium">
          {title} <span className="font-normal text-muted">· {t(`campaignsUi.page.chartBucket.${timeline.bucket}`)}</span>
        </span>
        <ul className="flex flex-wrap gap-x-3 gap-y-1 text-xs text-muted" aria-hidden>
          {SERIES.map(({ key, color, width, dash }) => (
            <li key={key} className="flex items-center gap-1.5" data-testid={`timeline-legend-${key}`} data-total={last[key]}>
              <svg width="16" height="10" aria-hidden>
                <line x1="0" y1="5" x2="16" y2="5" stroke={color} strokeWidth={Math.min(width, 6)} strokeDasharray={dash} />
              </svg>
              {t(`campaignsUi.page.chartSeries.${key}`)} <span className="tabular-nums text-fg">{fmt.number(last[key])}</span>
            </li>
          ))}
        </ul>
      </figcaption>
      <div className="flex gap-2">
        <div className="flex h-40 flex-col justify-between text-right text-[11px] tabular-nums text-muted" aria-hidden>
          <span>{fmt.number(max)}</span>
          <span>0</span>
        </div>
        <div className="min-w-0 flex-1">
          <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} preserveAspectRatio="none" className="block h-40 w-full" role="img" aria-label={summary}>
            <line x1={0} x2={WIDTH} y1={y(max)} y2={y(max)} stroke="var(--color-border)" strokeDasharray="3 4" vectorEffect="non-scaling-stroke" />
            <line x1={0} x2={WIDTH} y1={y(0)} y2={y(0)} stroke="var(--color-border-strong)" vectorEffect="non-scaling-stroke" />
            {SERIES.filter(({ key }) => last[key] > 0).map(({ key, color, width, dash }) => (
              <path
                key={key}
                d={path(key)}
                fill="none"
                stroke={color}
                strokeWidth={width}
                strokeDasharray={dash}
                strokeLinejoin="round"
                vectorEffect="non-scaling-stroke"
                data-series={key}
              />
            ))}
          </svg>
          <div className="mt-1 flex justify-between gap-2 text-[11px] text-muted" aria-hidden>
            <span>{label(new Date(t0).toISOString())}</span>
            <span>{label(new Date(t1).toISOString())}</span>
          </div>
        </div>
      </div>
      {/* A table ignores sr-only's 1 px width and pushed the page sideways on a phone: the box around it clips. */}
      <div className="sr-only">
        <table>
          <caption>{title}</caption>
          <thead>
            <tr>
              <th scope="col">{t('campaignsUi.page.chartTime')}</th>
              {SERIES.map(({ key }) => (
                <th key={key} scope="col">
                  {t(`campaignsUi.page.chartSeries.${key}`)}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.at}>
                <th scope="row">{label(p.at)}</th>
                {SERIES.map(({ key }) => (
                  <td key={key}>{p[key]}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </figure>
  );
}
