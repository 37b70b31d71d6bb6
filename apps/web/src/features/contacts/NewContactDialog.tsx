import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError } from '../../lib/api';
import { checks, toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { FormDialog } from '../../ui/Dialog';
import { AttributeFields, draftToAttributes, type AttributeDraft } from './AttributeFields';
import { ContactFields, EMPTY_CONTACT, type ContactDraft } from './ContactFields';
import { contactsApi, useContactFields, type Contact, type ContactInput } from './contacts.api';

/** The id of the contact that already has this phone, from a 409 `{field: 'phone', contactId}`. */
export function duplicateOf(error: unknown): string | null {
  if (!(error instanceof ApiError) || error.status !== 409) return null;
  const details = error.details as { field?: unknown; contactId?: unknown } | undefined;
  return details?.field === 'phone' && typeof details.contactId === 'string' ? details.contactId : null;
}

export function draftToInput(draft: ContactDraft): ContactInput {
  const input: ContactInput = { tags: draft.tags, ownerId: draft.ownerId };
  for (const key of ['firstName', 'lastName', 'company', 'phone', 'email', 'website', 'address'] as const) {
    if (draft[key].trim()) input[key] = draft[key].trim();
  }
  return input;
}

export function NewContactDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; onCreated: (contact: Contact) => void }) {
  const { t } = useTranslation();
  const fields = useContactFields();
  const [draft, setDraft] = useState<ContactDraft>(EMPTY_CONTACT);
  const [attributes, setAttributes] = useState<AttributeDraft>({});
  const [duplicate, setDuplicate] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  useEffect(() => {
    if (props.open) {
      setDraft(EMPTY_CONTACT);
      setAttributes({});
      setDuplicate(null);
      form.clear();
    }
  }, [props.open]);

  const submit = async () => {
    const problems: Record<string, string> = {};
    if (![draft.firstName, draft.lastName, draft.company, draft.phone, draft.email].some((v) => v.trim())) problems.firstName = t('contacts.needSomething');
    if (draft.email.trim() && !checks.email(draft.email)) problems.email = t('validation.email');
    form.setFields(problems);
    setDuplicate(null);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      const attrs = draftToAttributes(attributes, fields.data ?? []);
      const contact = await contactsApi.create({ ...draftToInput(draft), ...(Object.keys(attrs).length ? { attributes: attrs } : {}) });
      props.onCreated(contact);
      props.onOpenChange(false);
    } catch (error) {
      const existing = duplicateOf(error);
      if (existing) {
        setDuplicate(existing);
        form.setFields({ phone: t('contacts.duplicatePhone') });
      } else form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      size="lg"
      title={t('contacts.newTitle')}
      description={t('contacts.newBody')}
      onSubmit={() => void submit()}
      busy={busy}
      submitLabel={t('contacts.create')}
      busyLabel={t('common.creating')}
      error={form.errors.message}
    >
      <div className="space-y-4">
        {duplicate ? (
          <Alert tone="warning" title={t('contacts.duplicateTitle')}>
            <Link to={`/contacts/${duplicate}`} className="font-medium underline underline-offset-2" onClick={() => props.onOpenChange(false)}>
              {t('contacts.openExisting')}
            </Link>
          </Alert>
        ) : null}
        <ContactFields value={draft} onChange={setDraft} errors={form.errors.fields} autoFocus />
        {fields.data?.length ? (
          <fieldset className="border-t border-border pt-4">
            <legend className="sr-only">{t('contacts.attributes')}</legend>
            <p className="mb-3 text-[13px] font-medium">{t('contacts.attributes')}</p>
            <AttributeFields fields={fields.data} value={attributes} onChange={setAttributes} errors={form.errors.fields} />
          </fieldset>
        ) : null}
      </div>
    </FormDialog>
  );
}
