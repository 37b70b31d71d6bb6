import type { Contact } from '@leadmaster/contracts';
import type { ConsentStatus } from './contacts.tables';
import type { ContactRow } from './contacts.repository';

const iso = (d: Date | string | null) => (d === null ? null : typeof d === 'string' ? new Date(d).toISOString() : d.toISOString());

export function presentContact(row: ContactRow, consent: Record<string, ConsentStatus> = {}): Contact {
  return {
    id: row.id,
    firstName: row.firstName,
    lastName: row.lastName,
    company: row.company,
    phone: row.phoneRaw,
    phoneE164: row.phoneE164,
    phoneValid: row.phoneValid,
    phoneType: row.phoneType,
    email: row.email,
    website: row.website,
    address: row.address,
    tags: row.tags,
    source: row.source,
    ownerId: row.ownerId,
    attributes: row.attributes,
    scores: { contactability: row.scoreContactability, digitalMaturity: row.scoreDigitalMaturity, potential: row.scorePotential },
    scoreDetails: row.scoreDetails ?? null,
    validated: row.validationStatus === 'approved' && (!row.validationExpiresAt || row.validationExpiresAt > new Date()),
    validation: {
      status: row.validationStatus,
      at: iso(row.validatedAt),
      by: row.validatedBy,
      expiresAt: iso(row.validationExpiresAt),
      reason: row.validationReason,
    },
    blacklisted: row.blacklisted,
    consent,
    reachability: { whatsapp: row.whatsapp, imessage: row.imessage },
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  };
}
