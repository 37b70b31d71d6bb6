import Papa from 'papaparse';
import { AppError } from '../../../platform/errors';
import { normalizeSearch } from '../contact-filter';

/** What a spreadsheet export really is: the encoding, the separator and the header. */
export type CsvFormat = { encoding: 'utf-8' | 'windows-1252'; delimiter: ',' | ';' | '\t'; bom: boolean };

const UTF8_BOM = [0xef, 0xbb, 0xbf];

export const malformed = (why: string) => new AppError('bad_request', `This file cannot be imported: ${why}`, { field: 'file' });

/**
 * UTF-8 unless the bytes are not valid UTF-8, then Windows-1252 (what Excel on Windows writes,
 * a superset of Latin-1). A truncated multi-byte character at the very end of the sample is fine.
 */
export function detectEncoding(sample: Buffer): { encoding: CsvFormat['encoding']; bom: boolean } {
  const bom = UTF8_BOM.every((b, i) => sample[i] === b);
  if (bom) return { encoding: 'utf-8', bom };
  let end = sample.length;
  // Do not judge a character the sample cut in half.
  for (let i = Math.max(0, end - 3); i < end; i++) {
    const b = sample[i]!;
    if (b >= 0xc0) {
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2;
      if (i + need > end) end = i;
    }
  }
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample.subarray(0, end));
    return { encoding: 'utf-8', bom };
  } catch {
    return { encoding: 'windows-1252', bom };
  }
}

/** The separator that splits the first lines into the same, largest number of fields. */
export function detectDelimiter(text: string): CsvFormat['delimiter'] {
  let best: CsvFormat['delimiter'] = ',';
  let bestScore = -1;
  for (const delimiter of [';', ',', '\t'] as const) {
    const parsed = Papa.parse<string[]>(text, { delimiter, preview: 20, skipEmptyLines: true });
    const counts = parsed.data.map((r) => r.length);
    if (counts.length === 0) continue;
    const first = counts[0]!;
    const consistent = counts.filter((c) => c === first).length / counts.length;
    const score = first > 1 ? first * consistent : 0;
    if (score > bestScore) {
      best = delimiter;
      bestScore = score;
    }
  }
  return best;
}

export function sniffFormat(sample: Buffer): CsvFormat & { text: string } {
  if (sample.length === 0) throw malformed('the file is empty');
  if (sample.subarray(0, 8192).includes(0)) throw malformed('it looks like a binary file, not a CSV (export the sheet as CSV first)');
  const { encoding, bom } = detectEncoding(sample);
  const text = new TextDecoder(encoding).decode(sample).replace(/^\uFEFF/, '');
  return { encoding, bom, delimiter: detectDelimiter(text), text };
}

/** Header names (Spanish and English) and the contact field each most likely means. */
const SYNONYMS: Record<string, string[]> = {
  firstName: ['nombre', 'nombres', 'first name', 'firstname', 'given name', 'primer nombre', 'name first'],
  lastName: ['apellido', 'apellidos', 'last name', 'lastname', 'surname', 'family name'],
  fullName: ['nombre completo', 'full name', 'name', 'contacto', 'contact', 'nombre y apellido', 'razon social'],
  company: ['empresa', 'compania', 'company', 'organization', 'organisation', 'organizacion', 'negocio', 'business', 'comercio'],
  phone: ['telefono', 'tel', 'celular', 'cel', 'movil', 'mobile', 'phone', 'phone number', 'whatsapp', 'numero', 'telefono movil', 'cell'],
  email: ['email', 'e-mail', 'correo', 'correo electronico', 'mail'],
  website: ['web', 'sitio web', 'website', 'sitio', 'url', 'pagina web', 'pagina'],
  address: ['direccion', 'domicilio', 'address', 'calle'],
  tags: ['tags', 'etiquetas', 'etiqueta', 'labels'],
  consent: ['consentimiento', 'consent', 'opt in', 'opt-in', 'acepta', 'autoriza'],
};

/** A first guess at the mapping, from the header names (accents and case ignored). */
export function guessMapping(columns: string[], attributeKeys: string[] = []): Record<string, string> {
  const used = new Set<string>();
  const mapping: Record<string, string> = {};
  for (const column of columns) {
    const name = normalizeSearch(column).replace(/[_.]/g, ' ').replace(/\s+/g, ' ').trim();
    let field = Object.entries(SYNONYMS).find(([, names]) => names.includes(name))?.[0];
    if (!field) {
      const key = name.replace(/[^a-z0-9]+/g, '_');
      if (attributeKeys.includes(key)) field = `attr:${key}`;
    }
    if (field && !used.has(field)) {
      mapping[column] = field;
      used.add(field);
    } else {
      mapping[column] = 'ignore';
    }
  }
  // "Nombre" alone next to "Apellido" is a first name; alone, it is the whole name.
  const nameColumn = Object.entries(mapping).find(([, f]) => f === 'firstName')?.[0];
  if (nameColumn && !Object.values(mapping).includes('lastName') && !Object.values(mapping).includes('fullName')) {
    mapping[nameColumn] = 'fullName';
  }
  return mapping;
}
