import type { TFunction } from 'i18next';
import { useState } from 'react';
import { ApiError } from './api';

const TRANSLATED = ['network', 'rate_limited', 'invalid_credentials', 'tenant_suspended', 'invalid_totp'] as const;

/**
 * What to tell the user about a failed call: our own words for the errors we expect, otherwise the
 * server's message (which says what happened, e.g. "2 user(s) still have this role").
 */
export function errorText(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    const known = TRANSLATED.find((code) => code === error.code);
    if (known) return t(`errors.${known}`);
    if (error.message) return error.message;
  }
  return t('errors.generic');
}

export type FormErrors = { fields: Record<string, string>; message: string | null };
const NONE: FormErrors = { fields: {}, message: null };

/**
 * Splits a failed submit into per-field messages (from `validation_failed` issues or a `details.field`)
 * and a message for the form as a whole. `aliases` maps server field paths to the form's field names.
 */
export function toFormErrors(error: unknown, t: TFunction, aliases: Record<string, string> = {}): FormErrors {
  if (!(error instanceof ApiError)) return { fields: {}, message: errorText(error, t) };
  const fields: Record<string, string> = {};
  for (const issue of error.fieldIssues) {
    const name = aliases[issue.field] ?? issue.field;
    fields[name] ??= issue.message;
  }
  // A single-field error's message is shown at the field; a validation summary would repeat it.
  const message = Object.keys(fields).length > 0 ? (error.code === 'validation_failed' ? t('validation.fixBelow') : null) : errorText(error, t);
  return { fields, message };
}

/** Form error state: client-side checks and server answers go through the same two slots. */
export function useFormErrors() {
  const [errors, setErrors] = useState<FormErrors>(NONE);
  return {
    errors,
    field: (name: string) => errors.fields[name],
    setFields: (fields: Record<string, string>) => setErrors({ fields, message: null }),
    setAll: setErrors,
    clear: () => setErrors(NONE),
  };
}

/** Client-side checks, returning the failing fields with translated messages. */
export const checks = {
  required: (value: string) => value.trim().length > 0,
  email: (value: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim()),
  password: (value: string) => value.length >= 10 && value.length <= 256,
  slug: (value: string) => /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/.test(value) && value.length >= 2 && value.length <= 40,
  username: (value: string) => /^[a-zA-Z0-9._-]{2,40}$/.test(value),
};
