import { useQueryClient } from '@tanstack/react-query';
import { ShieldPlus } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { toFormErrors, useFormErrors } from '../../lib/errors';
import { useFormat } from '../../lib/format';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { FormDialog } from '../../ui/Dialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Field } from '../../ui/Field';
import { Input, Textarea } from '../../ui/Input';
import { Select } from '../../ui/Select';
import { Spinner } from '../../ui/Spinner';
import { useToast } from '../../ui/Toast';
import { useCan } from '../auth/session';
import { contactKey, contactsApi, useConsentHistory, useRefreshContact, type ConsentChannel, type Contact } from './contacts.api';

const CHANNELS: ConsentChannel[] = ['whatsapp', 'imessage', 'sms', 'any'];

/** Consent per channel, the ledger behind it, and a way to record a new opt-in or opt-out. */
export function ConsentCard({ contact, userName }: { contact: Contact; userName: (id: string) => string | undefined }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const history = useConsentHistory(contact.id);
  const canWrite = useCan()('contacts.write');
  const [recording, setRecording] = useState(false);
  return (
    <Card>
      <CardHeader
        title={t('consent.title')}
        description={t('consent.body')}
        actions={
          canWrite ? (
            <Button size="sm" variant="secondary" icon={<ShieldPlus className="size-4" aria-hidden />} onClick={() => setRecording(true)}>
              {t('consent.record')}
            </Button>
          ) : null
        }
      />
      <CardBody className="space-y-4">
        <dl className="grid grid-cols-2 gap-2 md:grid-cols-4 lg:grid-cols-2">
          {CHANNELS.map((channel) => {
            const status = contact.consent[channel];
            return (
              <div key={channel} className="rounded-md border border-border px-2.5 py-2" data-testid={`consent-${channel}`}>
                <dt className="text-xs text-muted">{t(`consent.channels.${channel}`)}</dt>
                <dd className="mt-1">
                  <Badge tone={status === 'opted_in' ? 'success' : status === 'opted_out' ? 'danger' : 'neutral'} dot>
                    {t(`consent.status.${status ?? 'none'}`)}
                  </Badge>
                </dd>
              </div>
            );
          })}
        </dl>
        <div>
          <h3 className="mb-2 text-[13px] font-medium">{t('consent.history')}</h3>
          {history.isPending ? <Spinner label={t('common.loading')} /> : null}
          {history.isError ? <ErrorAlert error={history.error} onRetry={() => void history.refetch()} /> : null}
          {history.data?.length === 0 ? <p className="text-[13px] text-muted">{t('consent.noHistory')}</p> : null}
          {history.data?.length ? (
            <ol className="space-y-2">
              {history.data.map((event) => (
                <li key={event.id} className="rounded-md bg-surface-2 px-3 py-2 text-[13px]">
                  <div className="flex flex-wrap items-center gap-x-2 gap-y-1">
                    <Badge tone={event.status === 'opted_in' ? 'success' : 'danger'}>{t(`consent.status.${event.status}`)}</Badge>
                    <span className="font-medium">{t(`consent.channels.${event.channel}`)}</span>
                    <span className="text-muted">· {event.source}</span>
                    <time className="ml-auto text-xs text-subtle" dateTime={event.recordedAt} title={fmt.dateTime(event.recordedAt)}>
                      {fmt.relative(event.recordedAt)}
                    </time>
                  </div>
                  {event.text ? <p className="mt-1 border-l-2 border-border-strong pl-2 text-muted italic">“{event.text}”</p> : null}
                  <p className="mt-1 text-xs text-subtle">
                    {event.recordedBy ? t('consent.recordedBy', { name: userName(event.recordedBy) ?? t('contacts.anotherUser') }) : t('consent.recordedBySystem')}
                    {Object.keys(event.evidence).length ? ` · ${t('consent.evidence')}: ${JSON.stringify(event.evidence)}` : null}
                  </p>
                </li>
              ))}
            </ol>
          ) : null}
        </div>
      </CardBody>
      {canWrite ? <RecordConsentDialog open={recording} onOpenChange={setRecording} contactId={contact.id} /> : null}
    </Card>
  );
}

function RecordConsentDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; contactId: string }) {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const refresh = useRefreshContact();
  const [values, setValues] = useState({ channel: 'whatsapp' as ConsentChannel, status: 'opted_in' as 'opted_in' | 'opted_out', source: '', text: '' });
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  useEffect(() => {
    if (props.open) {
      setValues({ channel: 'whatsapp', status: 'opted_in', source: t('consent.defaultSource'), text: '' });
      form.clear();
    }
  }, [props.open]);
  const submit = async () => {
    if (!values.source.trim()) return form.setFields({ source: t('validation.required') });
    setBusy(true);
    try {
      await contactsApi.recordConsent(props.contactId, { ...values, source: values.source.trim(), ...(values.text.trim() ? { text: values.text.trim() } : { text: undefined }) });
      toast.success(t('consent.recordedToast'));
      // The score depends on consent: the contact is re-read with its new explanation.
      await Promise.all([refresh(props.contactId), queryClient.invalidateQueries({ queryKey: [...contactKey(props.contactId), 'consent'] })]);
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
      title={t('consent.recordTitle')}
      description={t('consent.recordBody')}
      onSubmit={() => void submit()}
      busy={busy}
      submitLabel={t('consent.record')}
      error={form.errors.message}
    >
      <div className="space-y-4">
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t('consent.channel')} error={form.field('channel')}>
            {(p) => (
              <Select {...p} value={values.channel} onValueChange={(v) => setValues({ ...values, channel: v as ConsentChannel })} options={CHANNELS.map((c) => ({ value: c, label: t(`consent.channels.${c}`) }))} />
            )}
          </Field>
          <Field label={t('consent.statusLabel')} error={form.field('status')}>
            {(p) => (
              <Select
                {...p}
                value={values.status}
                onValueChange={(v) => setValues({ ...values, status: v as 'opted_in' | 'opted_out' })}
                options={(['opted_in', 'opted_out'] as const).map((s) => ({ value: s, label: t(`consent.status.${s}`) }))}
              />
            )}
          </Field>
        </div>
        <Field label={t('consent.source')} hint={t('consent.sourceHint')} error={form.field('source')}>
          {(p) => <Input {...p} value={values.source} onChange={(e) => setValues({ ...values, source: e.target.value })} />}
        </Field>
        <Field label={t('consent.text')} hint={t('consent.textHint')} optional error={form.field('text')}>
          {(p) => <Textarea {...p} value={values.text} onChange={(e) => setValues({ ...values, text: e.target.value })} />}
        </Field>
      </div>
    </FormDialog>
  );
}
