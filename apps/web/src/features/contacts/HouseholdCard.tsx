import { useQueryClient } from '@tanstack/react-query';
import { Lock, LockOpen, MoreHorizontal, Pencil, Plus, ShieldCheck, Trash2, Users } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText, toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { Checkbox } from '../../ui/Checkbox';
import { ConfirmDialog, Dialog } from '../../ui/Dialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Menu, MenuContent, MenuItem, MenuSeparator, MenuTrigger } from '../../ui/Menu';
import { Spinner } from '../../ui/Spinner';
import { useToast } from '../../ui/Toast';
import { useCan } from '../auth/session';
import { contactKey, contactsApi, useHousehold, type HouseholdMember } from './contacts.api';

/**
 * People who share the contact's line or home. A confirmed member is protected: it cannot be changed
 * or deleted (the server answers 409) until someone unconfirms it, which is the path offered here.
 */
export function HouseholdCard({ contactId }: { contactId: string }) {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const canWrite = useCan()('contacts.write');
  const members = useHousehold(contactId);
  const [editing, setEditing] = useState<HouseholdMember | 'new' | null>(null);
  const [deleting, setDeleting] = useState<HouseholdMember | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: [...contactKey(contactId), 'household'] });
  const setConfirmed = async (member: HouseholdMember, confirmed: boolean) => {
    try {
      await contactsApi.updateMember(contactId, member.id, { confirmed });
      toast.success(confirmed ? t('household.confirmedToast', { name: member.name }) : t('household.unconfirmedToast', { name: member.name }));
      await refresh();
    } catch (error) {
      toast.error(errorText(error, t));
    }
  };
  return (
    <Card>
      <CardHeader
        title={t('household.title')}
        description={t('household.body')}
        actions={
          canWrite ? (
            <Button size="sm" variant="secondary" icon={<Plus className="size-4" aria-hidden />} onClick={() => setEditing('new')}>
              {t('household.add')}
            </Button>
          ) : null
        }
      />
      <CardBody>
        {members.isPending ? <Spinner label={t('common.loading')} /> : null}
        {members.isError ? <ErrorAlert error={members.error} onRetry={() => void members.refetch()} /> : null}
        {members.data?.length === 0 ? (
          <div className="flex items-center gap-3 text-[13px] text-muted">
            <Users className="size-5 shrink-0 text-subtle" aria-hidden />
            {t('household.empty')}
          </div>
        ) : null}
        {members.data?.length ? (
          <ul className="divide-y divide-border">
            {members.data.map((member) => (
              <li key={member.id} className="flex items-center gap-3 py-2.5 first:pt-0 last:pb-0" data-testid="household-member">
                <div className="min-w-0 flex-1">
                  <p className="flex items-center gap-2 truncate text-sm font-medium">
                    {member.name}
                    {member.confirmed ? (
                      <Badge tone="success">
                        <Lock className="size-3" aria-hidden />
                        {t('household.confirmed')}
                      </Badge>
                    ) : null}
                  </p>
                  <p className="truncate text-[13px] text-muted">{[member.relation, member.phone].filter(Boolean).join(' · ') || '—'}</p>
                </div>
                {canWrite ? (
                  <Menu>
                    <MenuTrigger asChild>
                      <Button variant="ghost" size="icon" className="size-8" aria-label={t('common.moreActions', { name: member.name })}>
                        <MoreHorizontal className="size-4" aria-hidden />
                      </Button>
                    </MenuTrigger>
                    <MenuContent align="end">
                      {member.confirmed ? (
                        <>
                          <MenuItem icon={<LockOpen />} onSelect={() => void setConfirmed(member, false)}>
                            {t('household.unconfirm')}
                          </MenuItem>
                          <p className="max-w-60 px-2 py-1 text-xs text-subtle">{t('household.lockedHint')}</p>
                        </>
                      ) : (
                        <>
                          <MenuItem icon={<ShieldCheck />} onSelect={() => void setConfirmed(member, true)}>
                            {t('household.confirm')}
                          </MenuItem>
                          <MenuItem icon={<Pencil />} onSelect={() => setEditing(member)}>
                            {t('household.edit')}
                          </MenuItem>
                          <MenuSeparator />
                          <MenuItem icon={<Trash2 />} tone="danger" onSelect={() => setDeleting(member)}>
                            {t('household.delete')}
                          </MenuItem>
                        </>
                      )}
                    </MenuContent>
                  </Menu>
                ) : null}
              </li>
            ))}
          </ul>
        ) : null}
      </CardBody>
      {canWrite ? (
        <>
          <MemberDialog contactId={contactId} member={editing} onClose={() => setEditing(null)} onSaved={() => void refresh()} />
          <ConfirmDialog
            open={deleting !== null}
            onOpenChange={(open) => !open && setDeleting(null)}
            title={t('household.deleteTitle', { name: deleting?.name ?? '' })}
            description={t('household.deleteBody')}
            confirmLabel={t('household.delete')}
            onConfirm={async () => {
              if (!deleting) return;
              try {
                await contactsApi.removeMember(contactId, deleting.id);
                await refresh();
              } catch (error) {
                toast.error(errorText(error, t));
                throw error;
              }
            }}
          />
        </>
      ) : null}
    </Card>
  );
}

function MemberDialog(props: { contactId: string; member: HouseholdMember | 'new' | null; onClose: () => void; onSaved: () => void }) {
  const { t } = useTranslation();
  const [values, setValues] = useState({ name: '', relation: '', phone: '', confirmed: false });
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  const member = props.member;
  useEffect(() => {
    if (member === 'new') setValues({ name: '', relation: '', phone: '', confirmed: false });
    else if (member) setValues({ name: member.name, relation: member.relation, phone: member.phone ?? '', confirmed: member.confirmed });
    form.clear();
  }, [member]);
  const submit = async () => {
    if (!values.name.trim()) return form.setFields({ name: t('validation.required') });
    setBusy(true);
    const body = { name: values.name.trim(), relation: values.relation.trim(), phone: values.phone.trim() || null, confirmed: values.confirmed };
    try {
      if (member === 'new') await contactsApi.addMember(props.contactId, body);
      else if (member) await contactsApi.updateMember(props.contactId, member.id, body);
      props.onSaved();
      props.onClose();
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={member !== null}
      onOpenChange={(open) => !open && !busy && props.onClose()}
      title={member === 'new' ? t('household.addTitle') : t('household.editTitle')}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button variant="secondary" disabled={busy} onClick={props.onClose}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={busy}>
            {member === 'new' ? t('household.add') : t('common.save')}
          </Button>
        </>
      }
    >
      <div className="space-y-4">
        {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
        <Field label={t('household.name')} error={form.field('name')}>
          {(p) => <Input {...p} autoFocus value={values.name} onChange={(e) => setValues({ ...values, name: e.target.value })} />}
        </Field>
        <div className="grid gap-4 sm:grid-cols-2">
          <Field label={t('household.relation')} optional error={form.field('relation')}>
            {(p) => <Input {...p} placeholder={t('household.relationPlaceholder')} value={values.relation} onChange={(e) => setValues({ ...values, relation: e.target.value })} />}
          </Field>
          <Field label={t('contacts.fields.phone')} optional error={form.field('phone')}>
            {(p) => <Input {...p} type="tel" inputMode="tel" value={values.phone} onChange={(e) => setValues({ ...values, phone: e.target.value })} />}
          </Field>
        </div>
        <Checkbox
          checked={values.confirmed}
          onCheckedChange={(confirmed) => setValues({ ...values, confirmed })}
          label={t('household.confirmLabel')}
          description={t('household.confirmHint')}
        />
      </div>
    </Dialog>
  );
}
