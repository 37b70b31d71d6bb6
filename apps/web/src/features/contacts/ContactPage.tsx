import { ArrowLeft, Ban, Trash2, UserX } from 'lucide-react';
import { useEffect, useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../lib/api';
import { errorText, toFormErrors, useFormErrors } from '../../lib/errors';
import { useFormat } from '../../lib/format';
import { Alert } from '../../ui/Alert';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { ConfirmDialog, FormDialog } from '../../ui/Dialog';
import { EmptyState } from '../../ui/EmptyState';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Page } from '../../ui/Page';
import { LoadingBlock } from '../../ui/Spinner';
import { useToast } from '../../ui/Toast';
import { useCan, useSession } from '../auth/session';
import { useAllUsers } from '../users/users.api';
import { AttributeFields, attributesToDraft, draftToAttributes, type AttributeDraft } from './AttributeFields';
import { BlockedBadge, PhoneText, ValidationBadge } from './ContactBits';
import { contactToDraft, ContactFields, type ContactDraft } from './ContactFields';
import { CONTACTS_KEY, contactsApi, displayName, useContact, useContactFields, useRefreshContact, useScoringSettings, type Contact, type ContactInput } from './contacts.api';
import { ConsentCard } from './ConsentCard';
import { HouseholdCard } from './HouseholdCard';
import { duplicateOf } from './NewContactDialog';
import { ScoresCard } from './ScoresCard';
import { ValidationCard } from './ValidationCard';
import { useQueryClient } from '@tanstack/react-query';

/** Names for user ids: the team when the viewer may read it, else only "you". */
export function useUserName() {
  const me = useSession();
  const users = useAllUsers(useCan()('users.read'));
  const byId = useMemo(() => new Map((users.data ?? []).map((u) => [u.id, u.name])), [users.data]);
  return (id: string) => byId.get(id) ?? (id === me.user.id ? me.user.name : undefined);
}

export function ContactPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const contact = useContact(id);
  const notFound = contact.error instanceof ApiError && (contact.error.status === 404 || contact.error.status === 400);
  return (
    <Page wide>
      <Link to="/contacts" className="focus-ring mb-4 inline-flex items-center gap-1.5 rounded text-[13px] text-muted hover:text-fg">
        <ArrowLeft className="size-4" aria-hidden />
        {t('contacts.backToList')}
      </Link>
      {contact.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
      {notFound ? (
        <EmptyState icon={UserX} title={t('contacts.notFoundTitle')} body={t('contacts.notFoundBody')} action={<Button asChild variant="secondary"><Link to="/contacts">{t('contacts.backToList')}</Link></Button>} />
      ) : contact.isError ? (
        <ErrorAlert error={contact.error} onRetry={() => void contact.refetch()} />
      ) : null}
      {contact.data ? <ContactView contact={contact.data} /> : null}
    </Page>
  );
}

function ContactView({ contact }: { contact: Contact }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const can = useCan();
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const scoring = useScoringSettings();
  const userName = useUserName();
  const [blocking, setBlocking] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const name = displayName(contact);
  return (
    <>
      <header className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0">
          <h1 className="truncate text-xl font-semibold tracking-tight">{name}</h1>
          <p className="mt-1 flex flex-wrap items-center gap-2 text-sm text-muted">
            {contact.company && contact.company !== name ? <span>{contact.company}</span> : null}
            <PhoneText contact={contact} />
            <ValidationBadge contact={contact} />
            {contact.blacklisted ? <BlockedBadge /> : null}
            {contact.source ? <Badge>{t('contacts.sourceLabel', { source: contact.source })}</Badge> : null}
          </p>
          <p className="mt-1 text-xs text-subtle">{t('contacts.createdUpdated', { created: fmt.date(contact.createdAt), updated: fmt.relative(contact.updatedAt) })}</p>
        </div>
        <div className="flex flex-wrap gap-2">
          {can('blacklist.manage') && !contact.blacklisted && contact.phone ? (
            <Button variant="secondary" icon={<Ban className="size-4" aria-hidden />} onClick={() => setBlocking(true)}>
              {t('contacts.blockNumber')}
            </Button>
          ) : null}
          {can('contacts.delete') ? (
            <Button variant="secondary" icon={<Trash2 className="size-4 text-danger" aria-hidden />} onClick={() => setDeleting(true)}>
              {t('contacts.delete')}
            </Button>
          ) : null}
        </div>
      </header>
      {contact.blacklisted ? <Alert tone="danger" className="mb-4" title={t('contacts.blockedTitle')}>{t('contacts.blockedBody')}</Alert> : null}

      <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <div className="min-w-0 space-y-6">
          <DetailsCard key={contact.updatedAt} contact={contact} />
          <HouseholdCard contactId={contact.id} />
        </div>
        {/* On a phone the scores and consent come first: what one checks before calling. */}
        <div className="min-w-0 space-y-6 max-lg:order-first">
          <ScoresCard contact={contact} threshold={scoring.data?.threshold ?? 70} />
          <ConsentCard contact={contact} userName={userName} />
          <ValidationCard contact={contact} userName={userName} />
          <Card>
            <CardHeader title={t('contacts.reachability')} />
            <CardBody className="grid grid-cols-2 gap-2 text-[13px]">
              {(['whatsapp', 'imessage'] as const).map((channel) => (
                <div key={channel} className="rounded-md border border-border px-2.5 py-2">
                  <p className="text-xs text-muted">{t(`consent.channels.${channel}`)}</p>
                  <p className="mt-0.5 font-medium">{t(`contacts.reach.${contact.reachability[channel]}`)}</p>
                </div>
              ))}
            </CardBody>
          </Card>
        </div>
      </div>

      <BlockDialog open={blocking} onOpenChange={setBlocking} contact={contact} />
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={t('contacts.deleteTitle', { name })}
        description={t('contacts.deleteBody')}
        confirmLabel={t('contacts.delete')}
        onConfirm={async () => {
          try {
            await contactsApi.remove(contact.id);
            toast.success(t('contacts.deletedToast', { name }));
            queryClient.removeQueries({ queryKey: ['contacts', 'one', contact.id] });
            void queryClient.invalidateQueries({ queryKey: CONTACTS_KEY });
            void navigate('/contacts');
          } catch (error) {
            toast.error(errorText(error, t));
            throw error;
          }
        }}
      />
    </>
  );
}

/** Every field editable; the phone is re-normalised by the server (and may then point to another contact). */
function DetailsCard({ contact }: { contact: Contact }) {
  const { t } = useTranslation();
  const toast = useToast();
  const canWrite = useCan()('contacts.write');
  const fields = useContactFields();
  const refresh = useRefreshContact();
  const initial = useMemo(() => contactToDraft(contact), [contact]);
  const initialAttrs = useMemo(() => attributesToDraft(contact.attributes, fields.data ?? []), [contact, fields.data]);
  const [draft, setDraft] = useState<ContactDraft>(initial);
  const [attributes, setAttributes] = useState<AttributeDraft>(initialAttrs);
  useEffect(() => setAttributes(initialAttrs), [initialAttrs]);
  const [busy, setBusy] = useState(false);
  const [duplicate, setDuplicate] = useState<string | null>(null);
  const form = useFormErrors();

  const changes: ContactInput = {};
  for (const key of ['firstName', 'lastName', 'company', 'phone', 'email', 'website', 'address'] as const) {
    if (draft[key].trim() !== initial[key].trim()) changes[key] = draft[key].trim();
  }
  if (JSON.stringify(draft.tags) !== JSON.stringify(initial.tags)) changes.tags = draft.tags;
  if (draft.ownerId !== initial.ownerId) changes.ownerId = draft.ownerId;
  const attrChanges = draftToAttributes(attributes, fields.data ?? [], initialAttrs);
  if (Object.keys(attrChanges).length) changes.attributes = attrChanges;
  const dirty = Object.keys(changes).length > 0;

  const save = async () => {
    setBusy(true);
    setDuplicate(null);
    form.clear();
    try {
      const saved = await contactsApi.update(contact.id, changes);
      toast.success(t('contacts.savedToast'));
      await refresh(saved);
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
    <Card>
      <CardHeader title={t('contacts.details')} />
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        <CardBody className="space-y-4">
          {!canWrite ? <Alert>{t('contacts.readOnly')}</Alert> : null}
          {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
          {duplicate ? (
            <Alert tone="warning" title={t('contacts.duplicateTitle')}>
              <Link to={`/contacts/${duplicate}`} className="font-medium underline underline-offset-2">
                {t('contacts.openExisting')}
              </Link>
            </Alert>
          ) : null}
          <ContactFields value={draft} onChange={setDraft} errors={form.errors.fields} disabled={!canWrite} />
          {fields.data?.length ? (
            <fieldset className="border-t border-border pt-4">
              <legend className="mb-3 text-[13px] font-medium">{t('contacts.attributes')}</legend>
              <AttributeFields fields={fields.data} value={attributes} onChange={setAttributes} errors={form.errors.fields} disabled={!canWrite} />
            </fieldset>
          ) : null}
        </CardBody>
        {canWrite ? (
          <div className="flex flex-wrap items-center justify-end gap-2 border-t border-border px-5 py-3">
            {dirty ? <span className="mr-auto text-xs text-muted">{t('contacts.unsaved')}</span> : null}
            <Button
              variant="ghost"
              disabled={!dirty || busy}
              onClick={() => {
                setDraft(initial);
                setAttributes(initialAttrs);
                form.clear();
              }}
            >
              {t('contacts.discard')}
            </Button>
            <Button type="submit" disabled={!dirty} loading={busy} loadingText={t('common.saving')}>
              {t('common.save')}
            </Button>
          </div>
        ) : null}
      </form>
    </Card>
  );
}

function BlockDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; contact: Contact }) {
  const { t } = useTranslation();
  const toast = useToast();
  const refresh = useRefreshContact();
  const queryClient = useQueryClient();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  useEffect(() => {
    if (props.open) {
      setReason('');
      form.clear();
    }
  }, [props.open]);
  const submit = async () => {
    if (!reason.trim()) return form.setFields({ reason: t('validation.required') });
    setBusy(true);
    try {
      await contactsApi.block({ phone: props.contact.phoneE164 ?? props.contact.phone, reason: reason.trim() });
      toast.success(t('blacklist.addedToast'));
      await Promise.all([refresh(props.contact.id), queryClient.invalidateQueries({ queryKey: ['blacklist'] })]);
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
      title={t('contacts.blockTitle')}
      description={t('contacts.blockBody', { phone: props.contact.phone })}
      onSubmit={() => void submit()}
      busy={busy}
      submitLabel={t('contacts.blockNumber')}
      tone="danger"
      error={form.errors.message}
    >
      <Field label={t('blacklist.reason')} hint={t('blacklist.reasonHint')} error={form.field('reason')}>
        {(p) => <Input {...p} autoFocus value={reason} onChange={(e) => setReason(e.target.value)} />}
      </Field>
    </FormDialog>
  );
}
