import type { TFunction } from 'i18next';
import { useState } from 'react';
import { ApiError } from './api';
import { formatDateTime } from './format';
import { currentLanguage } from '../i18n';

const TRANSLATED = ['network', 'rate_limited', 'invalid_credentials', 'tenant_suspended', 'invalid_totp'] as const;

type Details = Record<string, unknown>;
type TemplateOnChannel = { name?: string; language?: string; channelName?: string | null; channelId?: string; status?: string; headerFormat?: string | null; headerParameters?: number; bodyParameters?: number };
const HEADER_FILES = ['IMAGE', 'VIDEO', 'DOCUMENT'] as const;

/**
 * A template's file does not fit its header (decision 0048): an inbox reply names the template in
 * the details, a campaign's launch names it on each number it was refused for.
 */
function templateHeader(reason: string) {
  return (details: Details, t: TFunction): string | null => {
    const channels = Array.isArray(details.channels) ? (details.channels as TemplateOnChannel[]) : [];
    const name = typeof details.template === 'string' ? details.template : channels[0]?.name;
    if (!name) return null;
    const language = String(details.language ?? channels[0]?.language ?? '');
    const format = HEADER_FILES.find((f) => f === (details.headerFormat ?? channels[0]?.headerFormat));
    const file = format ? t(`errors.headerFile.${format}`) : '';
    const said = t(`errors.reasons.${reason}` as 'errors.reasons.template_header_needs_media', { name, language, file });
    return channels.length ? t('errors.reasons.campaignOn', { reason: said, numbers: channels.map((c) => c.channelName ?? c.channelId ?? '').join(', ') }) : said;
  };
}
/**
 * The WhatsApp parameters do not fit the template (decision 0050): a TEXT header's variable, or the
 * body's count. An inbox reply names the template and the expected count; a launch, each number.
 */
function templateParameters(reason: 'template_header_parameters' | 'template_body_parameters') {
  return (details: Details, t: TFunction): string | null => {
    const channels = Array.isArray(details.channels) ? (details.channels as TemplateOnChannel[]) : [];
    const name = typeof details.template === 'string' ? details.template : channels[0]?.name;
    if (!name) return null;
    const language = String(details.language ?? channels[0]?.language ?? '');
    const expected = Number(details.expected ?? (reason === 'template_header_parameters' ? channels[0]?.headerParameters : channels[0]?.bodyParameters)) || 0;
    const said =
      reason === 'template_body_parameters'
        ? t('errors.reasons.template_body_parameters', { name, language, count: expected })
        : t(expected > 0 ? 'errors.reasons.template_header_parameter_missing' : 'errors.reasons.template_header_parameter_extra', { name, language });
    return channels.length ? t('errors.reasons.campaignOn', { reason: said, numbers: channels.map((c) => c.channelName ?? c.channelId ?? '').join(', ') }) : said;
  };
}
const CAMPAIGN_ACTIONS = ['launch', 'schedule', 'pause', 'resume', 'cancel', 'change', 'be deleted'] as const;

/**
 * The server's refusals that carry a stable reason (`details.reason`), said in the reader's words and
 * filled from the details. The server's message is English; for these the web has its own.
 */
const REASONS: Record<string, (details: Details, t: TFunction) => string | null> = {
  template_not_approved: (details, t) => {
    const channels = Array.isArray(details.channels) ? (details.channels as TemplateOnChannel[]) : [];
    const first = channels[0];
    if (!first?.name) return null;
    const numbers = channels.map((c) => `${c.channelName ?? c.channelId ?? ''} (${c.status === 'MISSING' ? t('errors.reasons.templateMissing') : c.status})`).join(', ');
    return t('errors.reasons.template_not_approved', { name: first.name, language: first.language ?? '', numbers });
  },
  template_header_needs_media: templateHeader('template_header_needs_media'),
  template_header_takes_no_media: templateHeader('template_header_takes_no_media'),
  template_header_media_type: templateHeader('template_header_media_type'),
  template_header_unknown: templateHeader('template_header_unknown'),
  template_header_parameters: templateParameters('template_header_parameters'),
  template_body_parameters: templateParameters('template_body_parameters'),
  template_parameter_count: (details, t) =>
    typeof details.template === 'string' ? t('errors.reasons.template_parameter_count', { name: details.template, language: String(details.language ?? ''), count: Number(details.expected) || 0, received: Number(details.received) || 0 }) : null,
  login_taken: (details, t) => t(details.field === 'username' ? 'errors.reasons.username_taken' : 'errors.reasons.email_taken'),
  role_in_use: (details, t) => t('errors.reasons.role_in_use', { count: Number(details.userCount) || 0 }),
  unknown_attribute: (details, t) => t('errors.reasons.unknown_attribute', { key: String(details.key ?? '') }),
  field_key_taken: (details, t) => t('errors.reasons.field_key_taken', { key: String(details.key ?? '') }),
  whatsapp_messaging_limit: (details, t) => {
    const perDay = Number(details.perDay);
    if (!perDay || typeof details.retryAt !== 'string') return null;
    return t('errors.reasons.whatsapp_messaging_limit', { count: perDay, time: formatDateTime(details.retryAt, currentLanguage()) });
  },
};
/** Reasons said in fixed words (no values from the details). */
const FIXED_REASONS = [
  'channel_cannot_send_media',
  'listen_only',
  'channel_removed',
  'outside_whatsapp_window',
  'wrong_password',
  'cannot_grant',
  'last_owner',
  'owner_only',
  'builtin_role',
  'totp_already_on',
  'totp_not_started',
  'totp_required',
  'totp_off',
  'self_disable',
  'unknown_owner',
  'confirmed_member',
  'google_not_configured',
  'not_a_phone',
  'slot_taken',
  'hold_expired',
] as const;
/** Codes said in the same fixed words as the reason of that name. */
const CODE_REASONS = ['slot_taken', 'hold_expired'] as const;
for (const reason of FIXED_REASONS) REASONS[reason] = (_d, t) => t(`errors.reasons.${reason}`);

/** A campaign asked for a change its state does not allow (`invalid_state` with its status and the action). */
function campaignState(details: Details, t: TFunction): string | null {
  const action = CAMPAIGN_ACTIONS.find((a) => a === details.action);
  const status = typeof details.status === 'string' ? details.status : null;
  if (!action || !status) return null;
  const statusLabel = t(`campaignsUi.status.${status}` as 'campaignsUi.status.draft', { defaultValue: status });
  return t(`errors.campaignState.${action === 'be deleted' ? 'delete' : action}`, { status: statusLabel.toLowerCase() });
}

/** Our own words for a server error, when we have them. */
function translated(error: ApiError, t: TFunction): string | null {
  const details = (error.details && typeof error.details === 'object' ? error.details : {}) as Details;
  // The reason first: it says more than the code (a wrong current password is `invalid_credentials`
  // too, and must not read as a failed sign-in).
  const reason = typeof details.reason === 'string' ? REASONS[details.reason] : undefined;
  if (reason) return reason(details, t);
  // A calendar's conflicts come as their own codes (a slot taken meanwhile, a hold that lapsed).
  const calendar = CODE_REASONS.find((code) => code === error.code);
  if (calendar) return t(`errors.reasons.${calendar}`);
  const known = TRANSLATED.find((code) => code === error.code);
  if (known) return t(`errors.${known}`);
  if (error.code === 'invalid_state') return campaignState(details, t);
  if (error.code === 'already_exists' && details.field === 'phone') return t('errors.reasons.phone_taken');
  return null;
}

/**
 * What to tell the user about a failed call: our own words for the errors we expect (in the
 * reader's language), otherwise the server's message (which says what happened, e.g. "2 user(s)
 * still have this role").
 */
export function errorText(error: unknown, t: TFunction): string {
  if (error instanceof ApiError) {
    const own = translated(error, t);
    if (own) return own;
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
  // A single-field refusal (a taken email, a wrong password) is said in our words when we have them.
  const own = error.code === 'validation_failed' && !(error.details as Details | undefined)?.reason ? null : translated(error, t);
  for (const issue of error.fieldIssues) {
    const name = aliases[issue.field] ?? issue.field;
    fields[name] ??= own ?? issue.message;
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
