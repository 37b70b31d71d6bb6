import type { User } from '@leadmaster/contracts';
import { X } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { Button } from '../../ui/Button';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Select } from '../../ui/Select';
import { KNOWN_ACTIONS, type AuditFilters } from './audit.api';
import { useActionLabel } from './AuditTable';

const ANY = '__any';
/** Fields share the row and wrap, two to a row on a phone. */
const FIELD = 'min-w-36 flex-1';

export function AuditFiltersBar({ filters, onChange, users }: { filters: AuditFilters; onChange: (next: AuditFilters) => void; users: User[] | undefined }) {
  const { t } = useTranslation();
  const actionLabel = useActionLabel();
  const set = (key: keyof AuditFilters, value: string) => {
    const next = { ...filters };
    if (value && value !== ANY) next[key] = value;
    else delete next[key];
    onChange(next);
  };
  const active = Object.keys(filters).length > 0;
  return (
    <div className="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-border bg-surface p-3">
      {users ? (
        <Field label={t('audit.actor')} className={FIELD}>
          {(p) => (
            <Select
              {...p}
              value={filters.actorId ?? ANY}
              onValueChange={(v) => set('actorId', v)}
              options={[{ value: ANY, label: t('audit.anyActor') }, ...users.map((u) => ({ value: u.id, label: u.name, textValue: u.name }))]}
            />
          )}
        </Field>
      ) : null}
      <Field label={t('audit.action')} className={FIELD}>
        {(p) => (
          <Select
            {...p}
            value={filters.action ?? ANY}
            onValueChange={(v) => set('action', v)}
            options={[{ value: ANY, label: t('audit.anyAction') }, ...KNOWN_ACTIONS.map((a) => ({ value: a, label: actionLabel(a), textValue: actionLabel(a) }))]}
          />
        )}
      </Field>
      <Field label={t('audit.from')} className={FIELD}>
        {(p) => <Input {...p} type="date" value={filters.from ?? ''} max={filters.to} onChange={(e) => set('from', e.target.value)} />}
      </Field>
      <Field label={t('audit.to')} className={FIELD}>
        {(p) => <Input {...p} type="date" value={filters.to ?? ''} min={filters.from} onChange={(e) => set('to', e.target.value)} />}
      </Field>
      <Button variant="ghost" icon={<X className="size-4" aria-hidden />} disabled={!active} onClick={() => onChange({})}>
        {t('audit.clear')}
      </Button>
    </div>
  );
}
