import { useQueryClient } from '@tanstack/react-query';
import { clsx } from 'clsx';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../lib/api';
import { toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardFooter, CardHeader } from '../../ui/Card';
import { Checkbox } from '../../ui/Checkbox';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { Select } from '../../ui/Select';
import { LoadingBlock } from '../../ui/Spinner';
import { Switch } from '../../ui/Switch';
import { useChannels } from '../channels/channels.api';
import { useSegments } from '../contacts/contacts.api';
import { campaignKey, campaignsApi, CAMPAIGNS_KEY, useCampaign, useMessageTemplates, type Campaign } from './campaigns.api';
import { fieldOf, initialState, toBody, type BuilderState } from './builder-form';

const WEEKDAYS = [1, 2, 3, 4, 5, 6, 7] as const;

/** New campaign, or a draft's edit (only drafts can change: the server refuses the rest). */
export function CampaignBuilderPage() {
  const { id } = useParams();
  const { t } = useTranslation();
  const campaign = useCampaign(id ?? '');
  if (!id) return <BuilderForm campaign={null} />;
  if (campaign.isPending) return <LoadingBlock label={t('common.loading')} />;
  if (campaign.isError)
    return (
      <Page>
        <ErrorAlert error={campaign.error} title={t('campaignsUi.page.notFound')} onRetry={() => void campaign.refetch()} />
      </Page>
    );
  return <BuilderForm key={campaign.data.id} campaign={campaign.data} />;
}

function Section({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  return (
    <Card>
      <CardHeader title={title} {...(description ? { description } : {})} />
      <CardBody className="space-y-5">{children}</CardBody>
    </Card>
  );
}

function BuilderForm({ campaign }: { campaign: Campaign | null }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const templates = useMessageTemplates();
  const channels = useChannels();
  const segments = useSegments();
  const form = useFormErrors();
  const [state, setState] = useState<BuilderState>(() => initialState(campaign));
  const [saving, setSaving] = useState(false);
  const set = <K extends keyof BuilderState>(key: K, value: BuilderState[K]) => setState((s) => ({ ...s, [key]: value }));
  const senders = (channels.data ?? []).filter((c) => c.kind !== 'whatsapp_web');
  const err = (name: string) => form.field(name);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const { body, errors } = toBody(state, t);
    if (Object.keys(errors).length) {
      form.setAll({ fields: errors, message: t('validation.fixBelow') });
      return;
    }
    form.clear();
    setSaving(true);
    try {
      const saved = campaign ? await campaignsApi.update(campaign.id, { ...body, schedule: { at: body.schedule?.at ?? null } }) : await campaignsApi.create(body);
      queryClient.setQueryData(campaignKey(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: [...CAMPAIGNS_KEY, 'list'] });
      void navigate(`/campaigns/${saved.id}`);
    } catch (error) {
      const aliases = error instanceof ApiError ? Object.fromEntries(error.fieldIssues.map((i) => [i.field, fieldOf(i.field)])) : {};
      form.setAll(toFormErrors(error, t, aliases));
    } finally {
      setSaving(false);
    }
  };

  const numberField = (name: keyof BuilderState, label: string, options: { hint?: string; optional?: boolean; step?: string } = {}) => (
    <Field label={label} error={err(name)} {...(options.hint ? { hint: options.hint } : {})} {...(options.optional ? { optional: true } : {})}>
      {(control) => <Input {...control} inputMode="decimal" type="number" min={0} step={options.step ?? 'any'} value={String(state[name])} onChange={(e) => set(name, e.target.value as never)} />}
    </Field>
  );

  return (
    <Page>
      <PageHeader title={campaign ? t('campaignsUi.builder.editTitle') : t('campaignsUi.builder.newTitle')} description={t('campaignsUi.builder.subtitle')} />
      <form noValidate onSubmit={(e) => void submit(e)} className="space-y-6" data-testid="campaign-builder">
        {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
        <Section title={t('campaignsUi.builder.basics')}>
          <Field label={t('campaignsUi.builder.name')} error={err('name')}>
            {(control) => <Input {...control} value={state.name} maxLength={200} placeholder={t('campaignsUi.builder.namePlaceholder')} onChange={(e) => set('name', e.target.value)} />}
          </Field>
          <Field
            label={t('campaignsUi.builder.template')}
            error={err('templateId')}
            hint={
              templates.data?.length === 0 ? (
                <>
                  {t('campaignsUi.builder.noTemplates')}{' '}
                  <Link to="/campaigns/templates/new" className="text-link underline-offset-4 hover:underline">
                    {t('campaignsUi.builder.writeTemplate')}
                  </Link>
                </>
              ) : undefined
            }
          >
            {(control) => (
              <Select {...control} value={state.templateId} placeholder={t('campaignsUi.builder.templatePlaceholder')} onValueChange={(v) => set('templateId', v)} options={(templates.data ?? []).map((tpl) => ({ value: tpl.id, label: tpl.name }))} />
            )}
          </Field>
          <Field label={t('campaignsUi.builder.audience')} error={err('audience')} hint={segments.data?.length ? undefined : t('campaignsUi.builder.audienceHint')}>
            {(control) => (
              <Select
                {...control}
                value={state.audience}
                onValueChange={(v) => set('audience', v)}
                options={[{ value: 'all', label: t('campaignsUi.builder.audienceAll') }, ...(segments.data ?? []).map((s) => ({ value: s.id, label: t('campaignsUi.builder.audienceSegment', { name: s.name }), textValue: s.name }))]}
              />
            )}
          </Field>
          <fieldset className="space-y-2" aria-describedby="channels-hint">
            <legend className="text-[13px] font-medium">{t('campaignsUi.builder.channels')}</legend>
            {senders.length === 0 && channels.isSuccess ? <p className="text-[13px] text-muted">{t('campaignsUi.builder.noChannels')}</p> : null}
            <div className="grid gap-2 sm:grid-cols-2">
              {senders.map((c) => (
                <Checkbox
                  key={c.id}
                  checked={state.channelIds.includes(c.id)}
                  onCheckedChange={(on) => set('channelIds', on ? [...state.channelIds, c.id] : state.channelIds.filter((x) => x !== c.id))}
                  label={c.name}
                  description={t(`channels.kind.${c.kind}`)}
                />
              ))}
            </div>
            {err('channelIds') ? <p className="text-[13px] text-danger">{err('channelIds')}</p> : <p id="channels-hint" className="text-[13px] text-muted">{t('campaignsUi.builder.channelsHint')}</p>}
          </fieldset>
        </Section>

        <Section title={t('campaignsUi.builder.when')}>
          <div role="radiogroup" aria-label={t('campaignsUi.builder.when')} className="flex flex-wrap gap-2">
            {(['now', 'at'] as const).map((mode) => (
              <Choice key={mode} active={state.scheduleMode === mode} onClick={() => set('scheduleMode', mode)}>
                {mode === 'now' ? t('campaignsUi.builder.scheduleNow') : t('campaignsUi.builder.scheduleAt')}
              </Choice>
            ))}
          </div>
          {state.scheduleMode === 'at' ? (
            <Field label={t('campaignsUi.builder.scheduleAtLabel')} error={err('scheduleAt')} className="max-w-xs">
              {(control) => <Input {...control} type="datetime-local" value={state.scheduleAt} onChange={(e) => set('scheduleAt', e.target.value)} />}
            </Field>
          ) : null}
          <Switch checked={state.windowOn} onCheckedChange={(v) => set('windowOn', v)} label={t('campaignsUi.builder.windowOn')} description={t('campaignsUi.builder.windowHint')} />
          {state.windowOn ? (
            <div className="space-y-4">
              <fieldset>
                <legend className="mb-1.5 text-[13px] font-medium">{t('campaignsUi.builder.days')}</legend>
                <div className="flex flex-wrap gap-1.5">
                  {WEEKDAYS.map((d) => (
                    <Choice key={d} active={state.days.includes(d)} role="checkbox" onClick={() => set('days', state.days.includes(d) ? state.days.filter((x) => x !== d) : [...state.days, d])}>
                      {t(`campaignsUi.weekdays.d${d}`)}
                    </Choice>
                  ))}
                </div>
                {err('days') ? <p className="mt-1.5 text-[13px] text-danger">{err('days')}</p> : null}
              </fieldset>
              <div className="grid max-w-sm grid-cols-2 gap-4">
                <Field label={t('campaignsUi.builder.from')} error={err('start')}>
                  {(control) => <Input {...control} type="time" value={state.start} onChange={(e) => set('start', e.target.value)} />}
                </Field>
                <Field label={t('campaignsUi.builder.to')} error={err('end')}>
                  {(control) => <Input {...control} type="time" value={state.end} onChange={(e) => set('end', e.target.value)} />}
                </Field>
              </div>
            </div>
          ) : null}
        </Section>

        <Section title={t('campaignsUi.builder.pacing')}>
          <div role="radiogroup" aria-label={t('campaignsUi.builder.pacing')} className="flex flex-wrap gap-2">
            {(['fixed', 'random', 'spread'] as const).map((mode) => (
              <Choice key={mode} active={state.pacingMode === mode} onClick={() => set('pacingMode', mode)}>
                {t(`campaignsUi.builder.pacing${mode === 'fixed' ? 'Fixed' : mode === 'random' ? 'Random' : 'Spread'}`)}
              </Choice>
            ))}
          </div>
          <div className="grid gap-4 sm:grid-cols-2">
            {state.pacingMode === 'fixed' ? numberField('delaySeconds', t('campaignsUi.builder.delaySeconds')) : null}
            {state.pacingMode === 'random' ? (
              <>
                {numberField('minSeconds', t('campaignsUi.builder.minSeconds'))}
                {numberField('maxSeconds', t('campaignsUi.builder.maxSeconds'))}
              </>
            ) : null}
            {state.pacingMode === 'spread' ? numberField('overHours', t('campaignsUi.builder.overHours')) : null}
          </div>
        </Section>

        <Section title={t('campaignsUi.builder.limits')}>
          <div className="grid gap-4 sm:grid-cols-2">
            {numberField('perNumberRate', t('campaignsUi.builder.perNumberRate'), { hint: t('campaignsUi.builder.perNumberRateHint'), optional: true })}
            {numberField('dailyCap', t('campaignsUi.builder.dailyCap'), { optional: true, step: '1' })}
            {numberField('frequencyCapDays', t('campaignsUi.builder.frequencyCap'), { optional: true, step: '1' })}
            {numberField('minScore', t('campaignsUi.builder.minScore'), { hint: t('campaignsUi.builder.minScoreHint'), step: '1' })}
          </div>
          <Checkbox checked={state.requireValidated} onCheckedChange={(v) => set('requireValidated', v)} label={t('campaignsUi.builder.requireValidated')} description={t('campaignsUi.builder.requireValidatedHint')} />
        </Section>

        <Card>
          <CardFooter>
            <Button type="button" variant="secondary" onClick={() => void navigate(campaign ? `/campaigns/${campaign.id}` : '/campaigns')}>
              {t('common.cancel')}
            </Button>
            <Button type="submit" loading={saving} loadingText={t('common.saving')}>
              {t('campaignsUi.builder.saveAndPlan')}
            </Button>
          </CardFooter>
        </Card>
      </form>
    </Page>
  );
}

/** A toggle chip (a radio option or a weekday). */
function Choice({ active, onClick, children, role = 'radio' }: { active: boolean; onClick: () => void; children: ReactNode; role?: 'radio' | 'checkbox' }) {
  return (
    <button
      type="button"
      role={role}
      aria-checked={active}
      onClick={onClick}
      className={clsx(
        'focus-ring rounded-md border px-3 py-1.5 text-sm transition-colors',
        active ? 'border-primary bg-primary-soft font-medium text-link' : 'border-border bg-surface text-muted hover:bg-hover hover:text-fg',
      )}
    >
      {children}
    </button>
  );
}
