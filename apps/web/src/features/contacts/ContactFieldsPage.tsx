import { useQueryClient } from '@tanstack/react-query';
import { ListPlus, Plus } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { FormDialog } from '../../ui/Dialog';
import { EmptyState } from '../../ui/EmptyState';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { ListStates } from '../../ui/ListStates';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { Select } from '../../ui/Select';
import { Table, TBody, TD, TH, THead, TR } from '../../ui/Table';
import { TagInput } from '../../ui/TagInput';
import { useToast } from '../../ui/Toast';
import { useCan } from '../auth/session';
import { contactsApi, FIELDS_KEY, useContactFields, type FieldDefinition } from './contacts.api';

const TYPES: FieldDefinition['type'][] = ['text', 'number', 'date', 'choice'];
const KEY_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

/** "Industry size" → "industry_size": a key suggested from the label until the user edits it. */
const keyFrom = (label: string) =>
  label
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .replace(/_+$/, '')
    .slice(0, 40);

/** The workspace's custom contact fields: what imports can map to, what filters and scoring rules can use. */
export function ContactFieldsPage() {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const canManage = useCan()('settings.manage');
  const fields = useContactFields();
  const [creating, setCreating] = useState(false);
  const createButton = canManage ? (
    <Button icon={<Plus className="size-4" aria-hidden />} onClick={() => setCreating(true)}>
      {t('contactFields.create')}
    </Button>
  ) : null;
  return (
    <Page>
      <PageHeader title={t('contactFields.title')} description={t('contactFields.subtitle')} actions={fields.data?.length ? createButton : null} />
      {!canManage ? <Alert className="mb-4">{t('contactFields.readOnly')}</Alert> : null}
      <ListStates query={fields} items={fields.data} empty={<EmptyState icon={ListPlus} title={t('contactFields.emptyTitle')} body={t('contactFields.emptyBody')} action={createButton} />}>
        {(rows) => (
          <Table label={t('contactFields.title')}>
            <THead>
              <TR>
                <TH>{t('contactFields.label')}</TH>
                <TH className="hidden sm:table-cell">{t('contactFields.key')}</TH>
                <TH>{t('contactFields.type')}</TH>
              </TR>
            </THead>
            <TBody>
              {rows.map((field) => (
                <TR key={field.key}>
                  <TD>
                    <p className="font-medium">{field.label}</p>
                    <p className="font-mono text-xs text-subtle sm:hidden">{field.key}</p>
                    {field.choices.length ? <p className="mt-0.5 text-xs text-muted">{field.choices.join(' · ')}</p> : null}
                  </TD>
                  <TD className="hidden font-mono text-xs text-muted sm:table-cell">{field.key}</TD>
                  <TD>
                    <Badge>{t(`contactFields.types.${field.type}`)}</Badge>
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
        )}
      </ListStates>
      {canManage ? (
        <CreateFieldDialog
          open={creating}
          onOpenChange={setCreating}
          onCreated={(field) => {
            toast.success(t('contactFields.createdToast', { label: field.label }));
            void queryClient.invalidateQueries({ queryKey: FIELDS_KEY });
          }}
        />
      ) : null}
    </Page>
  );
}

function CreateFieldDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; onCreated: (field: FieldDefinition) => void }) {
  const { t } = useTranslation();
  const [values, setValues] = useState({ label: '', key: '', type: 'text' as FieldDefinition['type'], choices: [] as string[] });
  const [keyEdited, setKeyEdited] = useState(false);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  useEffect(() => {
    if (props.open) {
      setValues({ label: '', key: '', type: 'text', choices: [] });
      setKeyEdited(false);
      form.clear();
    }
  }, [props.open]);
  const submit = async () => {
    const problems: Record<string, string> = {};
    if (!values.label.trim()) problems.label = t('validation.required');
    if (!KEY_PATTERN.test(values.key)) problems.key = t('contactFields.keyRule');
    if (values.type === 'choice' && values.choices.length === 0) problems.choices = t('contactFields.choicesRequired');
    form.setFields(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      props.onCreated(await contactsApi.createField({ label: values.label.trim(), key: values.key, type: values.type, choices: values.type === 'choice' ? values.choices : [] }));
      props.onOpenChange(false);
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={t('contactFields.createTitle')}
      description={t('contactFields.createBody')}
      onSubmit={() => void submit()}
      busy={busy}
      submitLabel={t('contactFields.create')}
      busyLabel={t('common.creating')}
      error={form.errors.message}
    >
      <div className="space-y-4">
        <Field label={t('contactFields.label')} error={form.field('label')}>
          {(p) => (
            <Input
              {...p}
              autoFocus
              placeholder={t('contactFields.labelPlaceholder')}
              value={values.label}
              onChange={(e) => setValues({ ...values, label: e.target.value, ...(keyEdited ? {} : { key: keyFrom(e.target.value) }) })}
            />
          )}
        </Field>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t('contactFields.key')} hint={t('contactFields.keyRule')} error={form.field('key')}>
            {(p) => (
              <Input
                {...p}
                className="font-mono"
                value={values.key}
                onChange={(e) => {
                  setKeyEdited(true);
                  setValues({ ...values, key: e.target.value.toLowerCase() });
                }}
              />
            )}
          </Field>
          <Field label={t('contactFields.type')} error={form.field('type')}>
            {(p) => (
              <Select
                {...p}
                value={values.type}
                onValueChange={(type) => setValues({ ...values, type: type as FieldDefinition['type'] })}
                options={TYPES.map((type) => ({ value: type, label: t(`contactFields.types.${type}`) }))}
              />
            )}
          </Field>
        </div>
        {values.type === 'choice' ? (
          <Field label={t('contactFields.choices')} hint={t('contactFields.choicesHint')} error={form.field('choices')}>
            {(p) => <TagInput {...p} value={values.choices} onChange={(choices) => setValues({ ...values, choices })} max={100} />}
          </Field>
        ) : null}
      </div>
    </FormDialog>
  );
}
