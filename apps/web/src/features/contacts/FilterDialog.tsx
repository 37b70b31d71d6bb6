import type { User } from '@leadmaster/contracts';
import { Plus, Trash2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '../../ui/Button';
import { Checkbox } from '../../ui/Checkbox';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Select } from '../../ui/Select';
import { TagInput } from '../../ui/TagInput';
import type { ContactFilter, FieldDefinition, ValidationStatus } from './contacts.api';
import { compactFilter } from './list-params';

const ANY = '__any';
const NONE = '__none';
type Range = { min?: number; max?: number };
type Attr = NonNullable<ContactFilter['attributes']>[number];
const SCORES = ['contactability', 'digitalMaturity', 'potential'] as const;
const ATTR_OPS: Attr['op'][] = ['eq', 'neq', 'contains', 'gt', 'lt', 'exists'];

const toInt = (text: string) => {
  if (text.trim() === '') return undefined;
  const n = Math.round(Number(text));
  return Number.isFinite(n) ? Math.max(0, Math.min(100, n)) : undefined;
};

/** Every filter the list supports, edited as a draft and applied at once. */
export function FilterDialog(props: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  filter: ContactFilter;
  onApply: (filter: ContactFilter) => void;
  users: User[] | undefined;
  fields: FieldDefinition[];
}) {
  const { t } = useTranslation();
  const users = props.users;
  const [draft, setDraft] = useState<ContactFilter>(props.filter);
  useEffect(() => {
    if (props.open) setDraft(props.filter);
  }, [props.open]);
  const set = <K extends keyof ContactFilter>(key: K, value: ContactFilter[K] | undefined) => {
    const next = { ...draft };
    if (value === undefined) delete next[key];
    else next[key] = value;
    setDraft(next);
  };
  const triState = (value: boolean | undefined) => (value === undefined ? ANY : value ? 'yes' : 'no');
  const fromTri = (v: string) => (v === ANY ? undefined : v === 'yes');
  const validation = draft.validation ?? [];
  const attrs = draft.attributes ?? [];
  const setAttr = (index: number, patch: Partial<Attr>) => set('attributes', attrs.map((a, i) => (i === index ? { ...a, ...patch } : a)));
  const reach = (key: 'whatsapp' | 'imessage') => (
    <Field label={t(`contacts.filters.${key}`)}>
      {(p) => (
        <Select
          {...p}
          value={draft[key] ?? ANY}
          onValueChange={(v) => set(key, v === ANY ? undefined : (v as 'yes' | 'no' | 'unknown'))}
          options={[
            { value: ANY, label: t('contacts.filters.any') },
            { value: 'yes', label: t('contacts.reach.yes') },
            { value: 'no', label: t('contacts.reach.no') },
            { value: 'unknown', label: t('contacts.reach.unknown') },
          ]}
        />
      )}
    </Field>
  );

  return (
    <Dialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      size="lg"
      title={t('contacts.filters.title')}
      description={t('contacts.filters.body')}
      onSubmit={() => {
        // Number fields compare as numbers; everything else (dates included) as text.
        const typed = attrs
          .filter((a) => a.key)
          .map((a) => (props.fields.find((f) => f.key === a.key)?.type === 'number' && a.value !== '' && a.value !== undefined ? { ...a, value: Number(a.value) } : a))
          .map((a) => (a.op === 'exists' ? { key: a.key, op: a.op } : a));
        props.onApply(compactFilter({ ...draft, attributes: typed }));
        props.onOpenChange(false);
      }}
      footer={
        <>
          <Button variant="ghost" className="mr-auto" onClick={() => setDraft(draft.search ? { search: draft.search } : {})}>
            {t('contacts.filters.clear')}
          </Button>
          <Button variant="secondary" onClick={() => props.onOpenChange(false)}>
            {t('common.cancel')}
          </Button>
          <Button type="submit">{t('contacts.filters.apply')}</Button>
        </>
      }
    >
      <div className="space-y-5">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t('contacts.fields.tags')} hint={t('contacts.filters.tagsHint')}>
            {(p) => <TagInput {...p} value={draft.tags ?? []} onChange={(tags) => set('tags', tags.length ? tags : undefined)} max={20} />}
          </Field>
          {users ? (
            <Field label={t('contacts.fields.owner')}>
              {(p) => (
                <Select
                  {...p}
                  value={draft.ownerId === undefined ? ANY : draft.ownerId === null ? NONE : draft.ownerId}
                  onValueChange={(v) => set('ownerId', v === ANY ? undefined : v === NONE ? null : v)}
                  options={[
                    { value: ANY, label: t('contacts.filters.any') },
                    { value: NONE, label: t('contacts.unassigned') },
                    ...users.map((u) => ({ value: u.id, label: u.name, textValue: u.name })),
                  ]}
                />
              )}
            </Field>
          ) : null}
        </div>

        <fieldset>
          <legend className="mb-2 text-[13px] font-medium">{t('contacts.filters.scores')}</legend>
          <div className="grid gap-3 sm:grid-cols-3">
            {SCORES.map((score) => {
              const range: Range = draft[score] ?? {};
              const update = (patch: Range) => {
                const next = { ...range, ...patch };
                set(score, next.min === undefined && next.max === undefined ? undefined : next);
              };
              return (
                <div key={score} className="rounded-md border border-border p-2.5">
                  <p className="mb-1.5 text-xs font-medium text-muted">{t(`scores.${score}`)}</p>
                  <div className="flex items-center gap-2">
                    <Input
                      type="number"
                      min={0}
                      max={100}
                      inputMode="numeric"
                      aria-label={t('contacts.filters.min', { score: t(`scores.${score}`) })}
                      placeholder="0"
                      value={range.min ?? ''}
                      onChange={(e) => update({ min: toInt(e.target.value) })}
                    />
                    <span className="text-subtle" aria-hidden>
                      –
                    </span>
                    <Input
                      type="number"
                      min={0}
                      max={100}
                      inputMode="numeric"
                      aria-label={t('contacts.filters.max', { score: t(`scores.${score}`) })}
                      placeholder="100"
                      value={range.max ?? ''}
                      onChange={(e) => update({ max: toInt(e.target.value) })}
                    />
                  </div>
                </div>
              );
            })}
          </div>
        </fieldset>

        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t('contacts.filters.consentChannel')}>
            {(p) => (
              <Select
                {...p}
                value={draft.consent?.channel ?? ANY}
                onValueChange={(v) => set('consent', v === ANY ? undefined : { channel: v as 'whatsapp', status: draft.consent?.status ?? 'opted_in' })}
                options={[
                  { value: ANY, label: t('contacts.filters.any') },
                  ...(['whatsapp', 'imessage', 'sms', 'any'] as const).map((c) => ({ value: c, label: t(`consent.channels.${c}`) })),
                ]}
              />
            )}
          </Field>
          <Field label={t('contacts.filters.consentStatus')}>
            {(p) => (
              <Select
                {...p}
                disabled={!draft.consent}
                value={draft.consent?.status ?? 'opted_in'}
                onValueChange={(v) => draft.consent && set('consent', { ...draft.consent, status: v as 'opted_in' | 'opted_out' | 'none' })}
                options={(['opted_in', 'opted_out', 'none'] as const).map((s) => ({ value: s, label: t(`consent.status.${s}`) }))}
              />
            )}
          </Field>
        </div>

        <fieldset>
          <legend className="mb-2 text-[13px] font-medium">{t('contacts.fields.validation')}</legend>
          <div className="flex flex-wrap gap-x-5 gap-y-2">
            {(['pending', 'approved', 'rejected'] as ValidationStatus[]).map((status) => (
              <Checkbox
                key={status}
                label={t(`review.status.${status}`)}
                checked={validation.includes(status)}
                onCheckedChange={(on) => {
                  const next = on ? [...validation, status] : validation.filter((s) => s !== status);
                  set('validation', next.length ? next : undefined);
                }}
              />
            ))}
          </div>
        </fieldset>

        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t('contacts.filters.phoneValid')}>
            {(p) => (
              <Select
                {...p}
                value={triState(draft.phoneValid)}
                onValueChange={(v) => set('phoneValid', fromTri(v))}
                options={[
                  { value: ANY, label: t('contacts.filters.any') },
                  { value: 'yes', label: t('contacts.filters.validPhone') },
                  { value: 'no', label: t('contacts.filters.invalidPhone') },
                ]}
              />
            )}
          </Field>
          <Field label={t('contacts.filters.blacklisted')}>
            {(p) => (
              <Select
                {...p}
                value={triState(draft.blacklisted)}
                onValueChange={(v) => set('blacklisted', fromTri(v))}
                options={[
                  { value: ANY, label: t('contacts.filters.any') },
                  { value: 'yes', label: t('contacts.filters.onlyBlocked') },
                  { value: 'no', label: t('contacts.filters.notBlocked') },
                ]}
              />
            )}
          </Field>
          {reach('whatsapp')}
          {reach('imessage')}
        </div>

        {props.fields.length ? (
          <fieldset>
            <legend className="mb-2 text-[13px] font-medium">{t('contacts.filters.attributes')}</legend>
            <div className="space-y-2">
              {attrs.map((attr, index) => (
                <div key={index} className="grid grid-cols-[1fr_auto] gap-2 sm:grid-cols-[1fr_9rem_1fr_auto]">
                  <Select
                    aria-label={t('contacts.filters.attribute')}
                    value={attr.key || ANY}
                    onValueChange={(key) => setAttr(index, { key })}
                    placeholder={t('contacts.filters.attribute')}
                    options={props.fields.map((f) => ({ value: f.key, label: f.label, textValue: f.label }))}
                    className="max-sm:col-span-2"
                  />
                  <Select
                    aria-label={t('contacts.filters.operator')}
                    value={attr.op}
                    onValueChange={(op) => setAttr(index, { op: op as Attr['op'] })}
                    options={ATTR_OPS.map((op) => ({ value: op, label: t(`scoring.ops.${op}`) }))}
                  />
                  {attr.op === 'exists' ? (
                    <span className="max-sm:hidden" />
                  ) : (
                    <Input
                      aria-label={t('contacts.filters.value')}
                      value={attr.value ?? ''}
                      onChange={(e) => setAttr(index, { value: e.target.value })}
                      className="max-sm:col-span-1 max-sm:row-start-3"
                    />
                  )}
                  <Button variant="ghost" size="icon" aria-label={t('contacts.filters.removeCondition')} onClick={() => set('attributes', attrs.filter((_, i) => i !== index))}>
                    <Trash2 className="size-4" aria-hidden />
                  </Button>
                </div>
              ))}
              <Button
                variant="secondary"
                size="sm"
                icon={<Plus className="size-4" aria-hidden />}
                disabled={attrs.length >= 10}
                onClick={() => set('attributes', [...attrs, { key: props.fields[0]?.key ?? '', op: 'eq', value: '' }])}
              >
                {t('contacts.filters.addCondition')}
              </Button>
            </div>
          </fieldset>
        ) : null}
      </div>
    </Dialog>
  );
}
