import { z } from 'zod';
import { Locale } from './common';

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const TimeZone = z.string().min(1).max(64).refine(isTimeZone, 'unknown IANA time zone');
export const Country = z
  .string()
  .length(2)
  .regex(/^[A-Za-z]{2}$/, 'ISO 3166-1 alpha-2 code such as AR')
  .transform((c) => c.toUpperCase());
export const Slug = z
  .string()
  .min(2)
  .max(40)
  .regex(/^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/, 'lowercase letters, digits and dashes');

export const TenantStatus = z.enum(['active', 'grace', 'suspended']);

export const Tenant = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  timezone: z.string(),
  country: z.string(),
  locale: Locale,
  plan: z.string(),
  status: TenantStatus,
  requireTwoFactor: z.boolean(),
  /** Days a validation stays valid before the prospect returns to the queue; null: forever. */
  validationExpiryDays: z.number().int().nullable(),
});
export type Tenant = z.infer<typeof Tenant>;

export const UpdateTenantBody = z.strictObject({
  name: z.string().trim().min(1).max(120).optional(),
  timezone: TimeZone.optional(),
  country: Country.optional(),
  locale: Locale.optional(),
  requireTwoFactor: z.boolean().optional(),
  validationExpiryDays: z.number().int().min(1).max(3650).nullable().optional(),
});
