import { normalizePhone } from '../phone';
import { searchTextOf } from '../contact-filter';
import type { FieldType } from '../contacts.tables';

/** One CSV row turned into contact columns, or the reason it cannot be. */
export type Candidate = {
  rowNumber: number;
  data: string[];
  firstName: string;
  lastName: string;
  company: string;
  phoneRaw: string;
  phoneE164: string | null;
  phoneKey: string | null;
  phoneValid: boolean;
  phoneType: string | null;
  phoneCountry: string | null;
  email: string | null;
  website: string | null;
  address: string | null;
  tags: string[];
  attributes: Record<string, string | number>;
  searchText: string;
  consent: boolean;
};

export type RowResult = { ok: true; candidate: Candidate } | { ok: false; reason: string } | { ok: 'empty' };

export type RowMapper = (record: string[], rowNumber: number) => RowResult;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const TRUTHY = new Set(['si', 'sí', 's', 'yes', 'y', 'true', '1', 'x', 'ok', 'acepta', 'acepto', 'opt-in', 'opt in']);
const LIMITS: Record<string, number> = { firstName: 120, lastName: 120, fullName: 240, company: 200, website: 300, address: 500, phone: 40, email: 254 };

/** "García, Ana" or "Ana María García": last word is the surname unless a comma says otherwise. */
export function splitFullName(full: string): { firstName: string; lastName: string } {
  const text = full.trim().replace(/\s+/g, ' ');
  const comma = text.indexOf(',');
  if (comma > 0) return { lastName: text.slice(0, comma).trim(), firstName: text.slice(comma + 1).trim() };
  const space = text.lastIndexOf(' ');
  if (space < 0) return { firstName: text, lastName: '' };
  return { firstName: text.slice(0, space), lastName: text.slice(space + 1) };
}

function typedAttribute(value: string, type: FieldType, choices: string[]): { ok: true; value: string | number } | { ok: false; why: string } {
  switch (type) {
    case 'text':
      return value.length > 1000 ? { ok: false, why: 'is longer than 1000 characters' } : { ok: true, value };
    case 'number': {
      // "1.234,5" (es) and "1,234.5" (en) both mean 1234.5.
      const cleaned = /,\d{1,2}$/.test(value) ? value.replace(/\./g, '').replace(',', '.') : value.replace(/,/g, '');
      const n = Number(cleaned);
      return cleaned !== '' && Number.isFinite(n) ? { ok: true, value: n } : { ok: false, why: 'is not a number' };
    }
    case 'date': {
      const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
      const dmy = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(value);
      const [y, m, d] = iso ? [iso[1], iso[2], iso[3]] : dmy ? [dmy[3], dmy[2]!.padStart(2, '0'), dmy[1]!.padStart(2, '0')] : [];
      const text = `${y}-${m}-${d}`;
      return y && !Number.isNaN(Date.parse(text)) ? { ok: true, value: text } : { ok: false, why: 'is not a date (YYYY-MM-DD or DD/MM/YYYY)' };
    }
    case 'choice': {
      const match = choices.find((c) => c.toLowerCase() === value.toLowerCase());
      return match ? { ok: true, value: match } : { ok: false, why: `is not one of ${choices.join(', ')}` };
    }
  }
}

/**
 * Builds the function that maps each record of a file: column positions resolved once, phones
 * parsed in the tenant's country, custom attributes typed by the field catalogue.
 */
export type RowMapperOptions = {
  columns: string[];
  mapping: Record<string, string>;
  country: string;
  fields: { key: string; type: FieldType; choices: string[] }[];
  tags: string[];
};

export function rowMapper(options: RowMapperOptions): RowMapper {
  const targets = options.columns.map((column) => options.mapping[column] ?? 'ignore');
  const fieldByKey = new Map(options.fields.map((f) => [f.key, f]));
  const width = options.columns.length;
  return (record, rowNumber) => {
    if (record.every((v) => v.trim() === '')) return { ok: 'empty' };
    if (record.length !== width) return { ok: false, reason: `expected ${width} columns, found ${record.length}` };
    const c: Candidate = {
      rowNumber,
      data: record,
      firstName: '',
      lastName: '',
      company: '',
      phoneRaw: '',
      phoneE164: null,
      phoneKey: null,
      phoneValid: false,
      phoneType: null,
      phoneCountry: null,
      email: null,
      website: null,
      address: null,
      tags: [...options.tags],
      attributes: {},
      searchText: '',
      consent: false,
    };
    for (let i = 0; i < width; i++) {
      const target = targets[i]!;
      const value = record[i]!.trim();
      if (target === 'ignore' || value === '') continue;
      const limit = LIMITS[target];
      if (limit && value.length > limit) return { ok: false, reason: `${options.columns[i]} is longer than ${limit} characters` };
      switch (target) {
        case 'firstName':
        case 'lastName':
        case 'company':
          c[target] = value;
          break;
        case 'fullName':
          Object.assign(c, splitFullName(value));
          break;
        case 'website':
        case 'address':
          c[target] = value;
          break;
        case 'email':
          if (!EMAIL.test(value)) return { ok: false, reason: `invalid email "${value}"` };
          c.email = value.toLowerCase();
          break;
        case 'phone': {
          const p = normalizePhone(value, options.country);
          c.phoneRaw = value;
          c.phoneE164 = p.e164;
          c.phoneKey = p.valid ? p.key : null;
          c.phoneValid = p.valid;
          c.phoneType = p.type;
          c.phoneCountry = p.country;
          break;
        }
        case 'tags':
          for (const tag of value.split(/[,|;]/)) if (tag.trim()) c.tags.push(tag.trim().slice(0, 60));
          break;
        case 'consent':
          c.consent = TRUTHY.has(value.toLowerCase());
          break;
        default: {
          if (!target.startsWith('attr:')) break;
          const def = fieldByKey.get(target.slice(5));
          if (!def) break;
          const typed = typedAttribute(value, def.type, def.choices);
          if (!typed.ok) return { ok: false, reason: `${options.columns[i]} "${value}" ${typed.why}` };
          c.attributes[def.key] = typed.value;
        }
      }
    }
    if (!c.firstName && !c.lastName && !c.company && !c.phoneRaw && !c.email) {
      return { ok: false, reason: 'no name, company, phone or email' };
    }
    c.tags = [...new Set(c.tags)];
    c.searchText = searchTextOf(c);
    return { ok: true, candidate: c };
  };
}
