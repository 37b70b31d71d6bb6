import { useQueryClient } from '@tanstack/react-query';
import { clsx } from 'clsx';
import { Play } from 'lucide-react';
import { RadioGroup } from 'radix-ui';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toFormErrors, useFormErrors } from '../../../lib/errors';
import { Alert } from '../../../ui/Alert';
import { Button } from '../../../ui/Button';
import { Card, CardBody, CardHeader } from '../../../ui/Card';
import { Field } from '../../../ui/Field';
import { Input, Textarea } from '../../../ui/Input';
import { Select } from '../../../ui/Select';
import { Switch } from '../../../ui/Switch';
import { TagInput } from '../../../ui/TagInput';
import { useContactFields, type ConsentChannel } from '../contacts.api';
import { IMPORT_FIELDS, importKey, importsApi, recallPreview, type ContactImport, type ImportMode } from './imports.api';

const MODES: ImportMode[] = ['file-only', 'skip-existing', 'update-existing'];
const IGNORE = 'ignore';

/** "firstName" → "First name", "attr:industry" → the custom field's label. */
export function useImportFieldLabel() {
  const { t } = useTranslation();
  const fields = useContactFields();
  return (field: string) => {
    if (field === IGNORE) return t('imports.fields.ignore');
    if (field.startsWith('attr:')) return fields.data?.find((f) => `attr:${f.key}` === field)?.label ?? field;
    return (IMPORT_FIELDS as readonly string[]).includes(field) ? t(`imports.fields.${field as (typeof IMPORT_FIELDS)[number]}`) : field;
  };
}

/** Step 2: what each column is, how duplicates are handled, consent and tags for everyone imported. */
export function MappingStep({ imp }: { imp: ContactImport }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const fields = useContactFields();
  const label = useImportFieldLabel();
  const preview = useMemo(() => recallPreview(imp.id), [imp.id]);
  const [mapping, setMapping] = useState<Record<string, string>>(() =>
    Object.fromEntries(imp.columns.map((c) => [c, imp.mapping?.[c] ?? preview?.guessedMapping[c] ?? IGNORE])),
  );
  const [mode, setMode] = useState<ImportMode>('file-only');
  const [withConsent, setWithConsent] = useState(false);
  const [consent, setConsent] = useState({ channel: 'whatsapp' as ConsentChannel, source: '', text: '' });
  const [tags, setTags] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();

  const options = [
    { value: IGNORE, label: label(IGNORE) },
    ...IMPORT_FIELDS.map((f) => ({ value: f, label: label(f) })),
    ...(fields.data ?? []).map((f) => ({ value: `attr:${f.key}`, label: `${f.label} (${t('imports.customField')})`, textValue: f.label })),
  ];
  const used = Object.values(mapping);
  const consentColumn = used.includes('consent');
  const hasIdentity = used.some((f) => f === 'phone' || f === 'email');
  const doubled = [...new Set(used.filter((f, i) => f !== IGNORE && f !== 'tags' && used.indexOf(f) !== i))];
  const rows = preview?.rows ?? [];
  const sample = (index: number) =>
    rows
      .map((r) => r[index] ?? '')
      .filter(Boolean)
      .slice(0, 3);

  const start = async () => {
    if (withConsent && !consent.source.trim()) return form.setFields({ consentSource: t('validation.required') });
    setBusy(true);
    form.clear();
    try {
      const started = await importsApi.start(imp.id, {
        mapping,
        mode,
        tags,
        ...(withConsent ? { consent: { channel: consent.channel, source: consent.source.trim(), ...(consent.text.trim() ? { text: consent.text.trim() } : {}) } } : {}),
      });
      queryClient.setQueryData(importKey(imp.id), started);
    } catch (error) {
      form.setAll(toFormErrors(error, t, { 'consent.source': 'consentSource' }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-xl font-semibold tracking-tight">{t('imports.mapTitle')}</h1>
        <p className="mt-1 text-sm text-muted">{t('imports.mapBody', { file: imp.fileName, count: imp.columns.length })}</p>
      </header>
      {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}

      <Card>
        <CardHeader title={t('imports.columns')} description={t('imports.columnsHint')} />
        <div>
          <ul className="divide-y divide-border">
            {imp.columns.map((column, index) => (
              <li key={column} className="grid gap-2 px-5 py-3 sm:grid-cols-[minmax(0,1fr)_16rem] sm:items-center">
                <div className="min-w-0">
                  <p className="truncate text-sm font-medium" id={`col-${index}`}>
                    {column}
                  </p>
                  <p className="truncate text-xs text-muted">{sample(index).join(' · ') || t('imports.noSample')}</p>
                </div>
                <Select
                  aria-label={t('imports.mapColumn', { column })}
                  value={mapping[column] ?? IGNORE}
                  onValueChange={(field) => setMapping({ ...mapping, [column]: field })}
                  options={options}
                  className={clsx(mapping[column] === IGNORE && 'text-muted')}
                />
              </li>
            ))}
          </ul>
        </div>
      </Card>
      {!hasIdentity ? <Alert tone="warning">{t('imports.noIdentity')}</Alert> : null}
      {doubled.length ? <Alert tone="warning">{t('imports.doubled', { fields: doubled.map(label).join(', ') })}</Alert> : null}

      {rows.length ? (
        <Card>
          <CardHeader title={t('imports.preview')} description={t('imports.previewHint', { count: rows.length })} />
          <div className="overflow-x-auto">
            <table className="w-full border-collapse text-left text-[13px]" aria-label={t('imports.preview')}>
              <thead className="border-b border-border bg-surface-2/60 text-xs text-muted">
                <tr>
                  {imp.columns.map((column) => (
                    <th key={column} scope="col" className="px-3 py-2 font-medium whitespace-nowrap">
                      <span className="block">{column}</span>
                      <span className={clsx('block font-normal', mapping[column] === IGNORE ? 'text-subtle line-through' : 'text-link')}>{label(mapping[column] ?? IGNORE)}</span>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody className="divide-y divide-border">
                {rows.slice(0, 8).map((row, r) => (
                  <tr key={r}>
                    {imp.columns.map((column, c) => (
                      <td key={column} className={clsx('max-w-56 truncate px-3 py-2 whitespace-nowrap', mapping[column] === IGNORE && 'text-subtle')}>
                        {row[c] ?? ''}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      ) : null}

      <Card>
        <CardHeader title={t('imports.duplicates')} description={t('imports.duplicatesHint')} />
        <CardBody>
          <RadioGroup.Root value={mode} onValueChange={(v) => setMode(v as ImportMode)} aria-label={t('imports.duplicates')} className="grid gap-2">
            {MODES.map((m) => (
              <label
                key={m}
                className={clsx(
                  'flex cursor-pointer items-start gap-3 rounded-md border px-3 py-2.5 transition-colors',
                  mode === m ? 'border-primary bg-primary-soft/50' : 'border-border hover:bg-hover/50',
                )}
              >
                <RadioGroup.Item
                  value={m}
                  aria-describedby={`mode-${m}`}
                  className="focus-ring mt-0.5 flex size-4 shrink-0 items-center justify-center rounded-full border border-border-strong bg-surface data-[state=checked]:border-primary"
                >
                  <RadioGroup.Indicator className="size-2 rounded-full bg-primary" />
                </RadioGroup.Item>
                <span className="min-w-0">
                  <span className="block text-sm font-medium">{t(`imports.modes.${m}.label`)}</span>
                  <span id={`mode-${m}`} className="block text-[13px] text-muted">
                    {t(`imports.modes.${m}.hint`)}
                  </span>
                </span>
              </label>
            ))}
          </RadioGroup.Root>
        </CardBody>
      </Card>

      <Card>
        <CardHeader title={t('imports.extras')} />
        <CardBody className="space-y-5">
          <Switch
            checked={withConsent}
            onCheckedChange={setWithConsent}
            label={t('imports.recordConsent')}
            description={consentColumn ? t('imports.consentWithColumn') : t('imports.consentAllRows')}
          />
          {withConsent ? (
            <div className="space-y-4 rounded-md border border-border p-4">
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label={t('consent.channel')}>
                  {(p) => (
                    <Select
                      {...p}
                      value={consent.channel}
                      onValueChange={(v) => setConsent({ ...consent, channel: v as ConsentChannel })}
                      options={(['whatsapp', 'imessage', 'sms', 'any'] as const).map((c) => ({ value: c, label: t(`consent.channels.${c}`) }))}
                    />
                  )}
                </Field>
                <Field label={t('consent.source')} hint={t('imports.consentSourceHint')} error={form.field('consentSource')}>
                  {(p) => <Input {...p} value={consent.source} onChange={(e) => setConsent({ ...consent, source: e.target.value })} />}
                </Field>
              </div>
              <Field label={t('consent.text')} hint={t('consent.textHint')} optional>
                {(p) => <Textarea {...p} value={consent.text} onChange={(e) => setConsent({ ...consent, text: e.target.value })} />}
              </Field>
            </div>
          ) : null}
          <Field label={t('imports.tags')} hint={t('imports.tagsHint')} optional error={form.field('tags')}>
            {(p) => <TagInput {...p} value={tags} onChange={setTags} max={10} />}
          </Field>
        </CardBody>
      </Card>

      <div className="flex flex-wrap items-center justify-end gap-3">
        <p className="mr-auto text-[13px] text-muted">{t('imports.startHint')}</p>
        <Button icon={<Play className="size-4" aria-hidden />} loading={busy} loadingText={t('imports.starting')} onClick={() => void start()}>
          {t('imports.start')}
        </Button>
      </div>
    </div>
  );
}
