import type { TFunction } from 'i18next';
import type { Campaign, CampaignBody } from './campaigns.api';

/** The builder's fields as the inputs hold them (numbers as typed text, so an empty box stays empty). */
export type BuilderState = {
  name: string;
  templateId: string;
  /** 'all' or a segment id. */
  audience: string;
  channelIds: string[];
  scheduleMode: 'now' | 'at';
  scheduleAt: string;
  windowOn: boolean;
  days: number[];
  start: string;
  end: string;
  pacingMode: 'fixed' | 'random' | 'spread';
  delaySeconds: string;
  minSeconds: string;
  maxSeconds: string;
  overHours: string;
  perNumberRate: string;
  dailyCap: string;
  frequencyCapDays: string;
  requireValidated: boolean;
  minScore: string;
};

/** An ISO time as a `datetime-local` value in the browser's zone. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const num = (v: unknown, fallback: string) => (typeof v === 'number' ? String(v) : fallback);

export function initialState(campaign: Campaign | null): BuilderState {
  const pacing = (campaign?.pacing ?? {}) as { mode?: string; delaySeconds?: number; minSeconds?: number; maxSeconds?: number; overHours?: number };
  const audience = campaign?.audience as { segmentId?: string } | undefined;
  return {
    name: campaign?.name ?? '',
    templateId: campaign?.templateId ?? '',
    audience: audience?.segmentId ?? 'all',
    channelIds: campaign?.channelIds ?? [],
    scheduleMode: campaign?.schedule.at ? 'at' : 'now',
    scheduleAt: campaign?.schedule.at ? toLocalInput(campaign.schedule.at) : '',
    windowOn: Boolean(campaign?.sendWindow),
    days: campaign?.sendWindow?.days ?? [1, 2, 3, 4, 5],
    start: campaign?.sendWindow?.start ?? '09:00',
    end: campaign?.sendWindow?.end ?? '20:00',
    pacingMode: pacing.mode === 'random' || pacing.mode === 'spread' ? pacing.mode : 'fixed',
    delaySeconds: num(pacing.delaySeconds, '2'),
    minSeconds: num(pacing.minSeconds, '5'),
    maxSeconds: num(pacing.maxSeconds, '20'),
    overHours: num(pacing.overHours, '8'),
    perNumberRate: num(campaign?.perNumberRate, ''),
    dailyCap: num(campaign?.dailyCap, ''),
    frequencyCapDays: num(campaign?.frequencyCapDays, ''),
    requireValidated: campaign?.requireValidated ?? false,
    minScore: num(campaign?.minScore, '70'),
  };
}

type Checked = { body: CampaignBody; errors: Record<string, string> };

/** Checks the fields as the server will and builds the request body; `errors` is keyed by field name. */
export function toBody(state: BuilderState, t: TFunction, now = Date.now()): Checked {
  const errors: Record<string, string> = {};
  const number = (field: keyof BuilderState, min: number, max: number, options: { optional?: boolean; integer?: boolean } = {}): number | null => {
    const text = String(state[field]).trim();
    if (!text && options.optional) return null;
    const value = Number(text.replace(',', '.'));
    if (!text || !Number.isFinite(value) || value < min || value > max || (options.integer && !Number.isInteger(value))) {
      errors[field] = t('campaignsUi.builder.errors.number', { min, max });
      return null;
    }
    return value;
  };
  if (!state.name.trim()) errors.name = t('campaignsUi.builder.errors.name');
  if (!state.templateId) errors.templateId = t('campaignsUi.builder.errors.template');
  if (state.channelIds.length === 0) errors.channelIds = t('campaignsUi.builder.errors.channels');
  let at: string | null = null;
  if (state.scheduleMode === 'at') {
    const time = state.scheduleAt ? new Date(state.scheduleAt).getTime() : NaN;
    if (!Number.isFinite(time) || time <= now) errors.scheduleAt = t('campaignsUi.builder.errors.scheduleAt');
    else at = new Date(time).toISOString();
  }
  if (state.windowOn) {
    if (state.days.length === 0) errors.days = t('campaignsUi.builder.errors.days');
    if (state.end <= state.start) errors.end = t('campaignsUi.builder.errors.hours');
  }
  let pacing: CampaignBody['pacing'];
  if (state.pacingMode === 'fixed') pacing = { mode: 'fixed', delaySeconds: number('delaySeconds', 0, 86_400) ?? 0 };
  else if (state.pacingMode === 'random') {
    const minSeconds = number('minSeconds', 0, 86_400) ?? 0;
    const maxSeconds = number('maxSeconds', 0, 86_400) ?? 0;
    if (!errors.minSeconds && !errors.maxSeconds && maxSeconds < minSeconds) errors.maxSeconds = t('campaignsUi.builder.errors.randomRange');
    pacing = { mode: 'random', minSeconds, maxSeconds };
  } else pacing = { mode: 'spread', overHours: number('overHours', 0.01, 720) ?? 1 };
  const body: CampaignBody = {
    name: state.name.trim(),
    templateId: state.templateId,
    channelIds: state.channelIds,
    audience: state.audience === 'all' ? { all: true } : { segmentId: state.audience },
    requireValidated: state.requireValidated,
    minScore: number('minScore', 0, 100, { integer: true }) ?? 70,
    schedule: { at },
    pacing,
    sendWindow: state.windowOn ? { days: [...state.days].sort(), start: state.start, end: state.end } : null,
    perNumberRate: number('perNumberRate', 0.001, 1000, { optional: true }),
    dailyCap: number('dailyCap', 1, 1_000_000, { optional: true, integer: true }),
    frequencyCapDays: number('frequencyCapDays', 1, 365, { optional: true, integer: true }),
  };
  return { body, errors };
}

/** A server field path (`pacing.delaySeconds`, `sendWindow.end`, `channelIds.0`) as the builder's field name. */
export function fieldOf(path: string): string {
  if (path.startsWith('audience')) return 'audience';
  if (path.startsWith('channelIds')) return 'channelIds';
  if (path.startsWith('schedule')) return 'scheduleAt';
  if (path.startsWith('pacing.') || path.startsWith('sendWindow.')) return path.split('.')[1] ?? path;
  return path.split('.')[0] ?? path;
}
