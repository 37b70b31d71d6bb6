import { useTranslation } from 'react-i18next';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Select } from '../../ui/Select';
import type { FieldDefinition } from './contacts.api';

export type AttributeDraft = Record<string, string>;
const NONE = '__none';

/** The stored attributes as form text (numbers and dates as the inputs write them). */
export function attributesToDraft(attributes: Record<string, unknown>, fields: FieldDefinition[]): AttributeDraft {
  const draft: AttributeDraft = {};
  for (const field of fields) {
    const value = attributes[field.key];
    draft[field.key] = value === null || value === undefined ? '' : String(value);
  }
  return draft;
}

/**
 * Form text back to typed values for ContactInput.attributes: numbers as numbers, an emptied field as
 * null (which removes it). Only the keys that changed against `before` are sent.
 */
export function draftToAttributes(draft: AttributeDraft, fields: FieldDefinition[], before: AttributeDraft = {}): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  for (const field of fields) {
    const text = (draft[field.key] ?? '').trim();
    if (text === (before[field.key] ?? '').trim()) continue;
    if (text === '') out[field.key] = null;
    else if (field.type === 'number') out[field.key] = Number(text);
    else out[field.key] = text;
  }
  return out;
}

/** One input per custom field, of the field's type (text, number, date, choice). */
export function AttributeFields(props: { fields: FieldDefinition[]; value: AttributeDraft; onChange: (value: AttributeDraft) => void; errors?: Record<string, string>; disabled?: boolean }) {
  const { t } = useTranslation();
  const set = (key: string, text: string) => props.onChange({ ...props.value, [key]: text });
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      {props.fields.map((field) => (
        <Field key={field.key} label={field.label} optional error={props.errors?.[`attributes.${field.key}`]}>
          {(p) =>
            field.type === 'choice' ? (
              <Select
                {...p}
                disabled={props.disabled}
                value={props.value[field.key] || NONE}
                onValueChange={(v) => set(field.key, v === NONE ? '' : v)}
                options={[{ value: NONE, label: t('contacts.noValue') }, ...field.choices.map((c) => ({ value: c, label: c }))]}
              />
            ) : (
              <Input
                {...p}
                disabled={props.disabled}
                type={field.type === 'number' ? 'number' : field.type === 'date' ? 'date' : 'text'}
                inputMode={field.type === 'number' ? 'decimal' : undefined}
                value={props.value[field.key] ?? ''}
                onChange={(e) => set(field.key, e.target.value)}
              />
            )
          }
        </Field>
      ))}
    </div>
  );
}
