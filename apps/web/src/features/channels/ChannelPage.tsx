import type { Channel } from '@leadmaster/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { ArrowLeft, RefreshCw, SearchX } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { isApiError } from '../../lib/api';
import { errorText, toFormErrors } from '../../lib/errors';
import { useFormat } from '../../lib/format';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardFooter, CardHeader } from '../../ui/Card';
import { ConfirmDialog } from '../../ui/Dialog';
import { EmptyState } from '../../ui/EmptyState';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Page } from '../../ui/Page';
import { LoadingBlock } from '../../ui/Spinner';
import { Table, TBody, TD, TH, THead, TR } from '../../ui/Table';
import { useToast } from '../../ui/Toast';
import { useCan } from '../auth/session';
import { ThroughputFields } from './AddChannelDialog';
import { CHANNELS_KEY, channelKey, channelsApi, templatesKey, useChannel, useTemplates, type ChannelTestResult } from './channels.api';
import { KindMark, ServiceDots } from './kinds';
import { TestConnection } from './TestConnection';
import { WebhookGuide } from './WebhookGuide';
import { WhatsAppWebSessionCard } from './WhatsAppWebSessionCard';

export const statusTone = (status: Channel['status']) => (status === 'active' ? 'success' : status === 'error' ? 'danger' : 'neutral');

/** One channel account: its session or webhook, connection test, sending speed, templates, and the switch. */
export function ChannelPage() {
  const { id = '' } = useParams();
  const { t } = useTranslation();
  const can = useCan();
  const channel = useChannel(id);
  const back = (
    <Link to="/channels" className="focus-ring mb-4 inline-flex items-center gap-1.5 rounded text-[13px] text-muted hover:text-fg">
      <ArrowLeft className="size-4" aria-hidden />
      {t('channels.back')}
    </Link>
  );
  if (channel.isPending) return <Page>{back}<LoadingBlock label={t('common.loading')} /></Page>;
  if (channel.isError) {
    return (
      <Page>
        {back}
        {isApiError(channel.error, 'not_found') ? <Card><EmptyState icon={SearchX} title={t('errors.generic')} /></Card> : <ErrorAlert error={channel.error} onRetry={() => void channel.refetch()} />}
      </Page>
    );
  }
  const c = channel.data;
  const manage = can('channels.manage');
  return (
    <Page>
      {back}
      <header className="mb-6 flex flex-wrap items-center gap-3">
        <KindMark kind={c.kind} className="size-11" />
        <div className="min-w-0 flex-1">
          <h1 className="truncate text-xl font-semibold tracking-tight">{c.name}</h1>
          <div className="mt-0.5 flex flex-wrap items-center gap-2 text-sm text-muted">
            <span>{t(`channels.kind.${c.kind}`)}</span>
            <ServiceDots kind={c.kind} />
          </div>
        </div>
        <Badge tone={statusTone(c.status)} dot>
          {t(`channels.status.${c.status}`)}
        </Badge>
      </header>
      <div className="space-y-5">
        {c.kind === 'whatsapp_web' ? <WhatsAppWebSessionCard channelId={c.id} canManage={manage} /> : null}
        {c.webhookUrl && manage ? (
          <Card>
            <CardHeader title={t('channels.webhook.title')} />
            <CardBody>
              <WebhookGuide channel={c} />
            </CardBody>
          </Card>
        ) : null}
        {manage && c.kind !== 'whatsapp_web' ? (
          <Card>
            <CardHeader title={t('channels.test.run')} description={t('channels.created.testHint')} />
            <CardBody>
              <TestConnection channelId={c.id} last={(c.providerState.connectionTest as ChannelTestResult | undefined) ?? null} />
            </CardBody>
          </Card>
        ) : null}
        {c.kind !== 'whatsapp_web' && c.sending ? <SendingCard channel={c} sending={c.sending} /> : null}
        {c.kind === 'whatsapp_cloud' && manage ? <ThroughputCard channel={c} /> : null}
        {c.kind === 'bluebubbles' && manage ? <LineLimitsCard channel={c} /> : null}
        {c.kind === 'whatsapp_cloud' ? <TemplatesCard channelId={c.id} canSync={manage} /> : null}
        {manage ? <ManageCard channel={c} /> : null}
      </div>
    </Page>
  );
}

/** How this account's sending stands: its circuit breaker, a WhatsApp number's messaging limit, a line's daily cap. */
function SendingCard({ channel, sending }: { channel: Channel; sending: NonNullable<Channel['sending']> }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const limit = sending.messagingLimit;
  return (
    <Card>
      <CardHeader title={t('channels.sending.title')} description={t('channels.sending.description')} />
      <CardBody className="space-y-2 text-[13px]">
        <p className="flex flex-wrap items-start gap-2" data-testid="channel-breaker" data-breaker={sending.breaker}>
          <Badge tone={sending.breaker === 'closed' ? 'success' : 'warning'} dot>
            {t(`channels.sending.state.${sending.breaker}`)}
          </Badge>
          <span className="min-w-0 flex-1">
            {sending.breaker === 'closed' ? t('channels.sending.normal') : sending.breaker === 'open' && sending.retryAt ? t('channels.sending.open', { at: fmt.dateTime(sending.retryAt) }) : t('channels.sending.probing')}
          </span>
        </p>
        {sending.lastError ? <p className="break-words text-muted">{t('channels.sending.lastError', { error: sending.lastError })}</p> : null}
        {channel.kind === 'whatsapp_cloud' ? (
          <p data-testid="channel-messaging-limit">
            {limit.perDay !== null
              ? t('channels.sending.limit', { count: fmt.number(limit.perDay) as never, tier: limit.tier ?? '' })
              : limit.tier
                ? t('channels.sending.unlimited')
                : t('channels.sending.limitUnknown')}
          </p>
        ) : null}
        {sending.dailyCap !== null ? <p>{t('channels.sending.dailyCap', { sent: fmt.number(sending.sentToday), cap: fmt.number(sending.dailyCap) })}</p> : null}
      </CardBody>
    </Card>
  );
}

/** A BlueBubbles line's pace and daily cap (conservative by default), editable. */
function LineLimitsCard({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const current = { perSecond: String(channel.settings.perLinePerSecond ?? 1), dailyCap: String(channel.settings.dailyCap ?? 300) };
  const [values, setValues] = useState(current);
  const [errors, setErrors] = useState<{ perSecond?: string; dailyCap?: string }>({});
  const [busy, setBusy] = useState(false);
  useEffect(() => setValues({ perSecond: String(channel.settings.perLinePerSecond ?? 1), dailyCap: String(channel.settings.dailyCap ?? 300) }), [channel.settings.perLinePerSecond, channel.settings.dailyCap]);
  const save = async () => {
    const perSecond = Number(values.perSecond.replace(',', '.'));
    const dailyCap = Number(values.dailyCap);
    const found = {
      ...(!(perSecond >= 0.05 && perSecond <= 5) ? { perSecond: t('channels.lineLimits.perSecondRange') } : {}),
      ...(!Number.isInteger(dailyCap) || dailyCap < 1 || dailyCap > 100_000 ? { dailyCap: t('channels.form.range', { min: 1, max: 100_000 }) } : {}),
    };
    setErrors(found);
    if (Object.keys(found).length) return;
    setBusy(true);
    try {
      const updated = await channelsApi.update(channel.id, { settings: { perLinePerSecond: perSecond, dailyCap } });
      queryClient.setQueryData(channelKey(channel.id), updated);
      toast.success(t('channels.lineLimits.saved'));
    } catch (e) {
      const form = toFormErrors(e, t, { 'body.settings.perLinePerSecond': 'perSecond', 'body.settings.dailyCap': 'dailyCap' });
      setErrors({ perSecond: form.fields.perSecond, dailyCap: form.fields.dailyCap });
      if (form.message) toast.error(form.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card>
      <CardHeader title={t('channels.lineLimits.title')} description={t('channels.lineLimits.description')} />
      <CardBody className="grid gap-4 sm:grid-cols-2">
        <Field label={t('channels.lineLimits.perSecond')} hint={t('channels.lineLimits.perSecondHint')} error={errors.perSecond}>
          {(p) => <Input {...p} name="perLinePerSecond" inputMode="decimal" className="max-w-40" value={values.perSecond} onChange={(e) => setValues((v) => ({ ...v, perSecond: e.target.value }))} />}
        </Field>
        <Field label={t('channels.lineLimits.dailyCap')} hint={t('channels.lineLimits.dailyCapHint')} error={errors.dailyCap}>
          {(p) => <Input {...p} name="dailyCap" type="number" min={1} max={100_000} className="max-w-40" value={values.dailyCap} onChange={(e) => setValues((v) => ({ ...v, dailyCap: e.target.value }))} />}
        </Field>
      </CardBody>
      <CardFooter>
        <Button loading={busy} loadingText={t('common.saving')} onClick={() => void save()}>
          {t('common.save')}
        </Button>
      </CardFooter>
    </Card>
  );
}

function ThroughputCard({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [shared, setShared] = useState(Boolean(channel.settings.sharedWithBusinessApp));
  const [value, setValue] = useState(String(channel.settings.messagesPerSecond ?? (shared ? 20 : 80)));
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setShared(Boolean(channel.settings.sharedWithBusinessApp));
    setValue(String(channel.settings.messagesPerSecond ?? (channel.settings.sharedWithBusinessApp ? 20 : 80)));
  }, [channel.settings.messagesPerSecond, channel.settings.sharedWithBusinessApp]);
  const save = async () => {
    const max = shared ? 20 : 1000;
    const mps = Number(value);
    if (!Number.isInteger(mps) || mps < 1 || mps > max) return setError(t('channels.form.range', { min: 1, max }));
    setError(undefined);
    setBusy(true);
    try {
      const updated = await channelsApi.update(channel.id, { settings: { messagesPerSecond: mps, sharedWithBusinessApp: shared } });
      queryClient.setQueryData(channelKey(channel.id), updated);
      toast.success(t('channels.throughput.saved'));
    } catch (e) {
      const form = toFormErrors(e, t);
      setError(Object.values(form.fields)[0] ?? form.message ?? undefined);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card>
      <CardHeader title={t('channels.throughput.title')} description={t('channels.throughput.description')} />
      <CardBody>
        <ThroughputFields shared={shared} onShared={(on) => { setShared(on); if (on && Number(value) > 20) setValue('20'); }} value={value} onValue={setValue} error={error} />
      </CardBody>
      <CardFooter>
        <Button loading={busy} loadingText={t('common.saving')} onClick={() => void save()}>
          {t('common.save')}
        </Button>
      </CardFooter>
    </Card>
  );
}

function TemplatesCard({ channelId, canSync }: { channelId: string; canSync: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const toast = useToast();
  const queryClient = useQueryClient();
  const templates = useTemplates(channelId, true);
  const [busy, setBusy] = useState(false);
  const sync = async () => {
    setBusy(true);
    try {
      queryClient.setQueryData(templatesKey(channelId), await channelsApi.syncTemplates(channelId));
      toast.success(t('channels.templates.synced'));
    } catch (error) {
      toast.error(errorText(error, t));
    } finally {
      setBusy(false);
    }
  };
  const list = templates.data;
  const tone = (status: string) => (status === 'APPROVED' ? 'success' : status === 'REJECTED' || status === 'DISABLED' ? 'danger' : status === 'PAUSED' ? 'warning' : 'neutral');
  return (
    <Card>
      <CardHeader
        title={t('channels.templates.title')}
        description={list?.syncedAt ? t('channels.templates.syncedAt', { when: fmt.relative(list.syncedAt) }) : t('channels.templates.description')}
        actions={canSync ? <Button variant="secondary" size="sm" icon={<RefreshCw className="size-4" aria-hidden />} loading={busy} loadingText={t('channels.templates.syncing')} onClick={() => void sync()}>{t('channels.templates.sync')}</Button> : null}
      />
      <CardBody className={list?.items.length ? 'p-0 sm:p-0' : undefined}>
        {templates.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
        {templates.isError ? <ErrorAlert error={templates.error} onRetry={() => void templates.refetch()} /> : null}
        {list && list.items.length === 0 ? <p className="text-[13px] text-muted">{list.syncedAt ? t('channels.templates.empty') : t('channels.templates.never')}</p> : null}
        {list?.items.length ? (
          <Table label={t('channels.templates.title')} className="rounded-none border-0">
            <THead>
              <TR>
                <TH>{t('channels.templates.columns.name')}</TH>
                <TH>{t('channels.templates.columns.language')}</TH>
                <TH className="hidden sm:table-cell">{t('channels.templates.columns.category')}</TH>
                <TH>{t('channels.templates.columns.header')}</TH>
                <TH className="hidden sm:table-cell">{t('channels.templates.columns.body')}</TH>
                <TH>{t('channels.templates.columns.status')}</TH>
                <TH className="hidden sm:table-cell">{t('channels.templates.columns.quality')}</TH>
              </TR>
            </THead>
            <TBody>
              {list.items.map((tpl) => (
                <TR key={`${tpl.name}/${tpl.language}`}>
                  <TD className="font-mono text-[13px]">{tpl.name}</TD>
                  <TD>{tpl.language}</TD>
                  <TD className="hidden text-muted sm:table-cell">{tpl.category}</TD>
                  <TD data-testid="template-header-format">{t(`channels.templates.headerFormats.${tpl.headerFormat === undefined ? 'unknown' : (tpl.headerFormat ?? 'none')}`)}</TD>
                  <TD className="hidden text-muted tabular-nums sm:table-cell">{tpl.bodyParameters ?? '—'}</TD>
                  <TD>
                    <Badge tone={tone(tpl.status)}>{tpl.status}</Badge>
                  </TD>
                  <TD className="hidden text-muted sm:table-cell">{tpl.quality ?? '—'}</TD>
                </TR>
              ))}
            </TBody>
          </Table>
        ) : null}
      </CardBody>
    </Card>
  );
}

function ManageCard({ channel }: { channel: Channel }) {
  const { t } = useTranslation();
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [removing, setRemoving] = useState(false);
  const active = channel.status !== 'disabled';
  const toggle = async () => {
    setBusy(true);
    try {
      queryClient.setQueryData(channelKey(channel.id), await channelsApi.update(channel.id, { status: active ? 'disabled' : 'active' }));
      void queryClient.invalidateQueries({ queryKey: CHANNELS_KEY });
      toast.success(active ? t('channels.manage.disabledToast') : t('channels.manage.enabledToast'));
    } catch (error) {
      toast.error(errorText(error, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card>
      <CardBody className="flex flex-wrap items-center justify-between gap-3">
        <div className="min-w-0">
          <h2 className="text-[15px] font-semibold">{t('channels.manage.title')}</h2>
          {active ? null : <p className="mt-0.5 text-[13px] text-muted">{t('channels.manage.disabledNote')}</p>}
        </div>
        <div className="flex flex-wrap gap-2">
          <Button variant="ghost" className="text-danger hover:text-danger" onClick={() => setRemoving(true)}>
            {t('channels.manage.remove')}
          </Button>
          <Button variant="secondary" loading={busy} onClick={() => void toggle()}>
            {active ? t('channels.manage.disable') : t('channels.manage.enable')}
          </Button>
        </div>
      </CardBody>
      <ConfirmDialog
        open={removing}
        onOpenChange={setRemoving}
        title={t('channels.manage.removeTitle', { name: channel.name })}
        description={t('channels.manage.removeBody')}
        confirmLabel={t('channels.manage.remove')}
        onConfirm={async () => {
          try {
            await channelsApi.remove(channel.id);
            toast.success(t('channels.manage.removed'));
            await queryClient.invalidateQueries({ queryKey: CHANNELS_KEY });
            void navigate('/channels');
          } catch (error) {
            toast.error(errorText(error, t));
            throw error;
          }
        }}
      />
    </Card>
  );
}
