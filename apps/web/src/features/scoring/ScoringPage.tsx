import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { clsx } from 'clsx';
import { Plus, Trash2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { Select } from '../../ui/Select';
import { LoadingBlock, Spinner } from '../../ui/Spinner';
import { useToast } from '../../ui/Toast';
import { useCan } from '../auth/session';
import { ScoreBar } from '../contacts/ContactBits';
import { useComponentLabel } from '../contacts/ScoresCard';
import { CONTACTS_KEY, contactsApi, SCORING_KEY, useContactFields, useScoringSettings, type PotentialRule, type ScoringSettings } from '../contacts/contacts.api';
import { activeTasks, useActiveTasks } from '../tasks/tasks.api';
import { TaskProgress } from '../tasks/TaskProgress';

const FIELDS = ['firstName', 'lastName', 'company', 'email', 'website', 'source', 'tags'] as const;
const OPS: PotentialRule['op'][] = ['eq', 'neq', 'contains', 'gt', 'lt', 'exists', 'has_tag'];
const PREVIEW_DEBOUNCE_MS = 500;
const SCOPE = 'scoring';

type Preview = { items: { contactId: string; name: string; potential: number; components: { code: string; label: string; points: number }[] }[] };

const newId = () => (crypto.randomUUID?.() ?? Math.random().toString(36).slice(2)).replaceAll('-', '').slice(0, 10);
const clampPoints = (n: number) => Math.max(-100, Math.min(100, Math.round(n)));

export function ScoringPage() {
  const { t } = useTranslation();
  const settings = useScoringSettings();
  return (
    <Page wide>
      <PageHeader title={t('scoring.title')} description={t('scoring.subtitle')} />
      {settings.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
      {settings.isError ? <ErrorAlert error={settings.error} onRetry={() => void settings.refetch()} /> : null}
      {settings.data ? <ScoringForm key={JSON.stringify(settings.data)} settings={settings.data} /> : null}
    </Page>
  );
}

function ScoringForm({ settings }: { settings: ScoringSettings }) {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const canEdit = useCan()('scoring.manage');
  const fields = useContactFields();
  const tasks = useActiveTasks(SCOPE);
  const [threshold, setThreshold] = useState(String(settings.threshold));
  const [rules, setRules] = useState<PotentialRule[]>(settings.potentialRules);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();

  const thresholdValue = Number(threshold);
  const thresholdOk = threshold.trim() !== '' && Number.isInteger(thresholdValue) && thresholdValue >= 0 && thresholdValue <= 100;
  const rulesChanged = JSON.stringify(rules) !== JSON.stringify(settings.potentialRules);
  const dirty = rulesChanged || (thresholdOk && thresholdValue !== settings.threshold);
  const complete = rules.every((r) => r.label.trim() && (r.op === 'exists' || (r.value !== undefined && r.value !== '')));

  const fieldOptions = [
    ...FIELDS.map((f) => ({ value: f, label: t(`scoring.fields.${f}`) })),
    ...(fields.data ?? []).map((f) => ({ value: `attr:${f.key}`, label: f.label, textValue: f.label })),
  ];
  const update = (index: number, patch: Partial<PotentialRule>) => setRules(rules.map((r, i) => (i === index ? { ...r, ...patch } : r)));

  const save = async () => {
    if (!thresholdOk) return form.setFields({ threshold: t('scoring.thresholdRange') });
    if (!complete) return form.setAll({ fields: {}, message: t('scoring.incomplete') });
    setBusy(true);
    form.clear();
    try {
      const body: Partial<ScoringSettings> = { threshold: thresholdValue, ...(rulesChanged ? { potentialRules: rules.map(normalise) } : {}) };
      const saved = await contactsApi.saveScoring(body);
      if (saved.taskId) activeTasks.add({ id: saved.taskId, scope: SCOPE, label: t('scoring.rescoring') });
      queryClient.setQueryData(SCORING_KEY, { threshold: saved.threshold, potentialRules: saved.potentialRules });
      void queryClient.invalidateQueries({ queryKey: CONTACTS_KEY });
      toast.success(t('scoring.savedToast'));
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="space-y-6">
      {!canEdit ? <Alert>{t('scoring.readOnly')}</Alert> : null}
      {tasks.map((task) => (
        <TaskProgress
          key={task.id}
          taskId={task.id}
          label={task.label}
          onFinished={() => void queryClient.invalidateQueries({ queryKey: CONTACTS_KEY })}
          onDismiss={() => activeTasks.remove(task.id)}
        />
      ))}
      {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
      <Card>
        <CardHeader title={t('scoring.thresholdTitle')} description={t('scoring.thresholdBody')} />
        <CardBody>
          <div className="flex flex-wrap items-end gap-4">
            <Field label={t('scoring.threshold')} error={form.field('threshold')} className="w-44">
              {(p) => <Input {...p} type="number" min={0} max={100} inputMode="numeric" disabled={!canEdit} value={threshold} onChange={(e) => setThreshold(e.target.value)} />}
            </Field>
            <input
              type="range"
              min={0}
              max={100}
              step={1}
              disabled={!canEdit}
              aria-label={t('scoring.threshold')}
              value={thresholdOk ? thresholdValue : settings.threshold}
              onChange={(e) => setThreshold(e.target.value)}
              className="mb-2.5 min-w-40 flex-1 accent-[var(--lm-primary)]"
            />
          </div>
        </CardBody>
      </Card>

      <Card>
        <CardHeader
          title={t('scoring.rulesTitle')}
          description={t('scoring.rulesBody')}
          actions={
            canEdit ? (
              <Button
                size="sm"
                variant="secondary"
                icon={<Plus className="size-4" aria-hidden />}
                disabled={rules.length >= 100}
                onClick={() => setRules([...rules, { id: newId(), label: '', field: 'company', op: 'exists', points: 10 }])}
              >
                {t('scoring.addRule')}
              </Button>
            ) : null
          }
        />
        <CardBody className="space-y-3">
          {rules.length === 0 ? <p className="text-[13px] text-muted">{t('scoring.noRules')}</p> : null}
          {rules.map((rule, index) => (
            <fieldset key={rule.id} className="grid gap-2 rounded-md border border-border p-3 sm:grid-cols-2 xl:grid-cols-[minmax(0,1.3fr)_minmax(0,1.2fr)_11rem_minmax(0,1fr)_6rem_auto] xl:items-end" data-testid="rule">
              <legend className="sr-only">{t('scoring.ruleN', { n: index + 1 })}</legend>
              <Field label={t('scoring.label')}>
                {(p) => <Input {...p} disabled={!canEdit} placeholder={t('scoring.labelPlaceholder')} value={rule.label} onChange={(e) => update(index, { label: e.target.value })} />}
              </Field>
              <Field label={t('scoring.field')}>
                {(p) => <Select {...p} disabled={!canEdit} value={rule.field} onValueChange={(field) => update(index, { field, ...(field === 'tags' ? { op: 'has_tag' } : {}) })} options={fieldOptions} />}
              </Field>
              <Field label={t('scoring.op')}>
                {(p) => <Select {...p} disabled={!canEdit} value={rule.op} onValueChange={(op) => update(index, { op: op as PotentialRule['op'] })} options={OPS.map((op) => ({ value: op, label: t(`scoring.ops.${op}`) }))} />}
              </Field>
              <Field label={t('scoring.value')}>
                {(p) => (
                  <Input
                    {...p}
                    disabled={!canEdit || rule.op === 'exists'}
                    value={rule.op === 'exists' ? '' : (rule.value ?? '')}
                    placeholder={rule.op === 'exists' ? t('scoring.noValueNeeded') : ''}
                    onChange={(e) => update(index, { value: e.target.value })}
                  />
                )}
              </Field>
              <Field label={t('scoring.points')}>
                {(p) => (
                  <Input
                    {...p}
                    type="number"
                    min={-100}
                    max={100}
                    disabled={!canEdit}
                    value={rule.points}
                    onChange={(e) => update(index, { points: clampPoints(Number(e.target.value) || 0) })}
                    className={clsx(rule.points > 0 ? 'text-success' : rule.points < 0 ? 'text-danger' : '')}
                  />
                )}
              </Field>
              {canEdit ? (
                <Button variant="ghost" size="icon" className="justify-self-end" aria-label={t('scoring.removeRule', { label: rule.label || t('scoring.ruleN', { n: index + 1 }) })} onClick={() => setRules(rules.filter((_, i) => i !== index))}>
                  <Trash2 className="size-4" aria-hidden />
                </Button>
              ) : null}
            </fieldset>
          ))}
        </CardBody>
      </Card>

      {canEdit ? <PreviewCard rules={rules.map(normalise)} ready={complete} /> : null}

      {canEdit ? (
        <div className="flex flex-wrap items-center justify-end gap-3">
          {rulesChanged ? <p className="mr-auto text-[13px] text-muted">{t('scoring.rescoreNote')}</p> : null}
          <Button variant="ghost" disabled={!dirty || busy} onClick={() => { setRules(settings.potentialRules); setThreshold(String(settings.threshold)); form.clear(); }}>
            {t('contacts.discard')}
          </Button>
          <Button disabled={!dirty} loading={busy} loadingText={t('common.saving')} onClick={() => void save()}>
            {t('common.save')}
          </Button>
        </div>
      ) : null}
    </div>
  );
}

/** Numbers compare as numbers: "50" typed for `gt` is sent as 50. */
function normalise(rule: PotentialRule): PotentialRule {
  const { value, ...rest } = rule;
  if (rule.op === 'exists') return rest;
  const text = String(value ?? '').trim();
  return { ...rest, value: (rule.op === 'gt' || rule.op === 'lt') && text !== '' && Number.isFinite(Number(text)) ? Number(text) : text };
}

/** The rules being edited, applied to sample contacts as they change (debounced). */
function PreviewCard({ rules, ready }: { rules: PotentialRule[]; ready: boolean }) {
  const { t } = useTranslation();
  const componentLabel = useComponentLabel();
  const json = JSON.stringify(rules);
  const [debounced, setDebounced] = useState(json);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(json), PREVIEW_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [json]);
  const preview = useQuery({
    queryKey: ['scoring', 'preview', debounced],
    queryFn: () => api.post<Preview>('/api/v1/scoring/preview', { potentialRules: JSON.parse(debounced) as PotentialRule[], limit: 10 }),
    enabled: ready,
    placeholderData: keepPreviousData,
    staleTime: 60_000,
  });
  return (
    <Card>
      <CardHeader title={t('scoring.previewTitle')} description={t('scoring.previewBody')} actions={preview.isFetching ? <Spinner /> : null} />
      <CardBody>
        {!ready ? <p className="text-[13px] text-muted">{t('scoring.incomplete')}</p> : null}
        {preview.isError ? <ErrorAlert error={preview.error} /> : null}
        {preview.data?.items.length === 0 ? <p className="text-[13px] text-muted">{t('scoring.previewEmpty')}</p> : null}
        {preview.data?.items.length ? (
          <ul className={clsx('divide-y divide-border', preview.isPlaceholderData && 'opacity-60')} data-testid="scoring-preview">
            {preview.data.items.map((item) => (
              <li key={item.contactId} className="flex flex-wrap items-start gap-x-4 gap-y-1 py-2 text-[13px]">
                <span className="min-w-0 flex-1 truncate font-medium">{item.name}</span>
                <span className="text-muted">{item.components.map((c) => `${componentLabel(c)} ${c.points > 0 ? '+' : ''}${c.points}`).join(' · ') || t('scores.noComponents')}</span>
                <ScoreBar value={item.potential} label={t('scores.potential')} />
              </li>
            ))}
          </ul>
        ) : null}
      </CardBody>
    </Card>
  );
}
