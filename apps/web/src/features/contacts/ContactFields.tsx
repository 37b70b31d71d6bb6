import type { User } from '@leadmaster/contracts';
import { useTranslation } from 'react-i18next';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Select } from '../../ui/Select';
import { TagInput } from '../../ui/TagInput';
import { useCan, useSession } from '../auth/session';
import { useAllUsers } from '../users/users.api';
import type { Contact } from './contacts.api';

export type ContactDraft = {
  firstName: string;
  lastName: string;
  company: string;
  phone: string;
  email: string;
  website: string;
  address: string;
  tags: string[];
  ownerId: string | null;
};

export const EMPTY_CONTACT: ContactDraft = { firstName: '', lastName: '', company: '', phone: '', email: '', website: '', address: '', tags: [], ownerId: null };

export function contactToDraft(contact: Contact): ContactDraft {
  return {
    firstName: contact.firstName,
    lastName: contact.lastName,
    company: contact.company,
    phone: contact.phone,
    email: contact.email ?? '',
    website: contact.website ?? '',
    address: contact.address ?? '',
    tags: contact.tags,
    ownerId: contact.ownerId,
  };
}

const NONE = '__none';

/** Owners to offer: the team when the viewer may read it, otherwise "me" and "nobody" (and the current one). */
export function useOwnerOptions(current: string | null) {
  const { t } = useTranslation();
  const me = useSession();
  const canReadUsers = useCan()('users.read');
  const users = useAllUsers(canReadUsers);
  const list: Pick<User, 'id' | 'name'>[] = canReadUsers ? (users.data ?? []) : [{ id: me.user.id, name: me.user.name }];
  const options = [
    { value: NONE, label: t('contacts.unassigned') },
    ...list.map((u) => ({ value: u.id, label: u.id === me.user.id ? `${u.name} (${t('common.you')})` : u.name, textValue: u.name })),
  ];
  if (current && !options.some((o) => o.value === current)) options.push({ value: current, label: t('contacts.anotherUser'), textValue: t('contacts.anotherUser') });
  return { options, toValue: (id: string | null) => id ?? NONE, fromValue: (v: string) => (v === NONE ? null : v) };
}

/** The contact's own fields (the custom attributes are a separate block). */
export function ContactFields(props: { value: ContactDraft; onChange: (value: ContactDraft) => void; errors: Record<string, string | undefined>; disabled?: boolean; autoFocus?: boolean }) {
  const { t } = useTranslation();
  const { value, onChange, disabled } = props;
  const owners = useOwnerOptions(value.ownerId);
  const text = (key: 'firstName' | 'lastName' | 'company' | 'phone' | 'email' | 'website' | 'address', extra: { type?: string; autoComplete?: string; inputMode?: 'tel' | 'email' | 'url' } = {}) => (
    <Field label={t(`contacts.fields.${key}`)} error={props.errors[key]}>
      {(p) => (
        <Input
          {...p}
          name={key}
          disabled={disabled}
          autoFocus={props.autoFocus && key === 'firstName'}
          autoComplete={extra.autoComplete ?? 'off'}
          type={extra.type ?? 'text'}
          inputMode={extra.inputMode}
          value={value[key]}
          onChange={(e) => onChange({ ...value, [key]: e.target.value })}
        />
      )}
    </Field>
  );
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        {text('firstName')}
        {text('lastName')}
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        {text('company')}
        <Field label={t('contacts.fields.phone')} hint={t('contacts.phoneHint')} error={props.errors.phone}>
          {(p) => <Input {...p} name="phone" type="tel" inputMode="tel" autoComplete="off" disabled={disabled} value={value.phone} onChange={(e) => onChange({ ...value, phone: e.target.value })} />}
        </Field>
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        {text('email', { type: 'email', inputMode: 'email' })}
        {text('website', { inputMode: 'url' })}
      </div>
      {text('address')}
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label={t('contacts.fields.tags')} hint={t('contacts.tagsHint')} error={props.errors.tags}>
          {(p) => <TagInput {...p} disabled={disabled} value={value.tags} onChange={(tags) => onChange({ ...value, tags })} />}
        </Field>
        <Field label={t('contacts.fields.owner')} error={props.errors.ownerId}>
          {(p) => <Select {...p} disabled={disabled} value={owners.toValue(value.ownerId)} onValueChange={(v) => onChange({ ...value, ownerId: owners.fromValue(v) })} options={owners.options} />}
        </Field>
      </div>
    </div>
  );
}
