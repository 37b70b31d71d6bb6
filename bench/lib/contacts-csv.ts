import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * A synthetic contact list as Argentine businesses export it from a spreadsheet: Spanish header,
 * `;` separator, accented names, phones typed every way people type them (some of them wrong), and
 * rows repeated further down with the number written differently. Deterministic for a seed, and
 * written to disk as it is generated (a million rows never sit in memory).
 */

export const BASE_COLUMNS = ['Nombre', 'Apellido', 'Empresa', 'Celular', 'Email'] as const;
/** Extra columns for the search fixture: tags, a custom attribute and a consent flag. */
export const EXTRA_COLUMNS = ['Etiquetas', 'Rubro', 'Consentimiento'] as const;

export const RUBROS = ['comercio', 'gastronomía', 'construcción', 'salud', 'servicios', 'educación', 'transporte', 'tecnología', 'agro', 'textil', 'inmobiliaria', 'turismo'] as const;
/** Share of contacts in each rubro: the first is the common value, the last the rare one. */
const RUBRO_WEIGHTS = [30, 14, 10, 9, 9, 8, 6, 5, 4, 3, 1.8, 0.2];
export const TAGS = { common: 'feria-2024', selective: 'cliente', other: 'mayorista' } as const;

const FIRST_NAMES = [
  'Juan', 'María', 'José', 'Ana', 'Carlos', 'Laura', 'Jorge', 'Lucía', 'Diego', 'Sofía', 'Martín', 'Valentina', 'Luis', 'Camila', 'Miguel',
  'Florencia', 'Pablo', 'Micaela', 'Alejandro', 'Gabriela', 'Sebastián', 'Romina', 'Nicolás', 'Verónica', 'Matías', 'Silvia', 'Facundo',
  'Patricia', 'Joaquín', 'Mónica', 'Agustín', 'Belén', 'Julián', 'Inés', 'Tomás', 'Paula', 'Andrés', 'Carolina', 'Germán', 'Natalia',
  'Ramón', 'Claudia', 'Gustavo', 'Andrea', 'Fernando', 'Marcela', 'Ricardo', 'Daniela', 'Hernán', 'Agustina', 'Ezequiel', 'Rocío', 'Lautaro',
  'Milagros', 'Gonzalo', 'Julieta', 'Santiago', 'Victoria', 'Maximiliano', 'Soledad', 'Cristian', 'Noelia', 'Leandro', 'Graciela', 'Raúl',
  'Susana', 'Héctor', 'Beatriz', 'Óscar', 'Liliana', 'Emiliano', 'Antonella', 'Iván', 'Jimena', 'Rodrigo', 'Mariana', 'Mauricio', 'Lorena',
];
const LAST_NAMES = [
  'González', 'Rodríguez', 'Gómez', 'Fernández', 'López', 'Díaz', 'Martínez', 'Pérez', 'García', 'Sánchez', 'Romero', 'Sosa', 'Álvarez',
  'Torres', 'Ruiz', 'Ramírez', 'Flores', 'Acosta', 'Benítez', 'Medina', 'Suárez', 'Herrera', 'Aguirre', 'Pereyra', 'Gutiérrez', 'Giménez',
  'Molina', 'Silva', 'Castro', 'Rojas', 'Ortiz', 'Núñez', 'Luna', 'Juárez', 'Cabrera', 'Ríos', 'Ferreyra', 'Godoy', 'Morales', 'Domínguez',
  'Moreno', 'Peralta', 'Vega', 'Carrizo', 'Quiroga', 'Castillo', 'Ledesma', 'Muñoz', 'Ojeda', 'Ponce', 'Vera', 'Vázquez', 'Villalba',
  'Cardozo', 'Navarro', 'Ramos', 'Arias', 'Coronel', 'Córdoba', 'Figueroa', 'Correa', 'Cáceres', 'Vargas', 'Maldonado', 'Mansilla', 'Farías',
  'Rivero', 'Paz', 'Miranda', 'Roldán', 'Méndez', 'Lucero', 'Cruz', 'Hernández', 'Agüero', 'Páez', 'Blanco', 'Mendoza', 'Barrios', 'Escobar',
  'Ávila', 'Soria', 'Leiva', 'Acuña', 'Maidana', 'Moyano', 'Campos', 'Olivera', 'Duarte', 'Soto', 'Franco', 'Bravo', 'Valdez', 'Toledo',
  'Andrada', 'Montenegro', 'Leguizamón', 'Chávez', 'Arce', 'Bustos', 'Garcés', 'Gil', 'Iglesias', 'Zárate', 'Ibarra', 'Villarreal',
];
const BUSINESS = ['Ferretería', 'Panadería', 'Distribuidora', 'Estudio Contable', 'Kiosco', 'Almacén', 'Inmobiliaria', 'Taller', 'Librería', 'Farmacia', 'Corralón', 'Consultora', 'Transporte', 'Veterinaria', 'Óptica'];
const BRAND = ['El Progreso', 'La Espiga', 'San Martín', 'Del Sur', 'La Estrella', 'Los Andes', 'El Ceibo', 'La Esquina', 'Río de la Plata', 'Don Bosco', 'Mi Barrio', 'Pampa'];
const LEGAL = ['S.A.', 'S.R.L.', 'SAS', 'Hnos.', 'y Asociados'];
const FREE_DOMAINS = ['gmail.com', 'gmail.com', 'gmail.com', 'gmail.com', 'hotmail.com', 'hotmail.com', 'yahoo.com.ar', 'outlook.com', 'live.com.ar', 'fibertel.com.ar'];

/** Area codes with their share of the rows and the length of their subscriber numbers. */
const AREAS = [
  { code: '11', weight: 55, digits: 8 }, // Buenos Aires
  { code: '351', weight: 12, digits: 7 }, // Córdoba
  { code: '341', weight: 10, digits: 7 }, // Rosario
  { code: '261', weight: 7, digits: 7 }, // Mendoza
  { code: '221', weight: 6, digits: 7 }, // La Plata
  { code: '223', weight: 5, digits: 7 }, // Mar del Plata
  { code: '381', weight: 5, digits: 7 }, // Tucumán
];

/** Numbers nobody can call, as they show up in real exports. */
const MESSY_INVALID = ['', 'sin dato', 'NO TIENE', '-', '0', '1234', '15 4444 555', '011 15-4444-55', '+54 9 11 4444', '4444-5555', '11 4444 55555', '000000000', 'llamar a la oficina'];

export type ContactsCsvOptions = { file: string; rows: number; seed?: number; extraColumns?: boolean };

/** What was written, and what a correct import of it must report. */
export type ContactsCsvStats = {
  rows: number;
  bytes: number;
  header: string[];
  /** Rows that repeat an earlier row's person (same line, written another way): skipped as duplicates. */
  duplicates: number;
  /** Rows whose phone is empty, garbage or incomplete (they are imported, flagged invalid). */
  invalidPhones: number;
  /** Rows whose email is malformed (the import rejects them). */
  badEmails: number;
  expected: { inserted: number; skipped: number; rejected: number; phoneValid: number; phoneInvalid: number };
  /** Rows of the file to search for: their data and a way of typing the phone that differs from the file's. */
  probes: { surname: string; phoneDigits: string; phoneTyped: string; email: string; line: string }[];
};

/** mulberry32: small, fast and good enough for test data. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weighted<T>(items: readonly T[], weights: readonly number[]) {
  const total = weights.reduce((a, b) => a + b, 0);
  const cumulative = weights.map(
    (
      (sum) => (w: number) =>
        (sum += w / total)
    )(0),
  );
  return (r: number): T => items[Math.min(items.length - 1, cumulative.findIndex((c) => r < c))] ?? items[0]!;
}

const asciiCache = new Map<string, string>();
/** "Núñez Hnos." → "nunezhnos": for email addresses. */
const ascii = (s: string) => {
  let out = asciiCache.get(s);
  if (out === undefined) {
    out = s
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '');
    if (asciiCache.size < 10_000) asciiCache.set(s, out);
  }
  return out;
};

/** Quotes a cell when the separator, a quote or a line break is in it. */
const cell = (v: string) => (/[;"\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

type Person = { first: string; last: string; company: string; area: (typeof AREAS)[number]; subscriber: string; email: string; landline: boolean };

/** Every way a valid number gets written; the first three are the issue's. */
function formatPhone(p: Pick<Person, 'area' | 'subscriber' | 'landline'>, style: number): string {
  const { code } = p.area;
  const s = p.subscriber;
  const [a, b] = code === '11' ? [s.slice(0, 4), s.slice(4)] : [s.slice(0, 3), s.slice(3)];
  if (p.landline) return style % 2 === 0 ? `${code} ${a}-${b}` : `(0${code}) ${a}-${b}`;
  switch (style % 8) {
    case 0:
      return `0${code} 15-${a}-${b}`;
    case 1:
      return `+54 9 ${code} ${a} ${b}`;
    case 2:
      return `54 ${code} ${a} ${b}`;
    case 3:
      return `(0${code}) 15 ${a}-${b}`;
    case 4:
      return `+54 9 ${code} ${a}-${b}`;
    case 5:
      return `+549${code}${s}`;
    case 6:
      return `tel: 0${code}-15-${a}-${b}`;
    default:
      return `+54 (${code}) ${a} ${b}`;
  }
}

/**
 * Writes `rows` data rows plus the header. About 10% of the phones are messy beyond repair, about 5%
 * of the rows repeat an earlier person (half of them within the next batch, half anywhere later) with
 * the number typed another way, and about 0.5% have a malformed email.
 */
export async function writeContactsCsv(options: ContactsCsvOptions): Promise<ContactsCsvStats> {
  const rand = random(options.seed ?? 20240601);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  // Surnames follow a long tail: the first ones are far more common (García ≈ 3% of rows).
  const surname = weighted(LAST_NAMES, LAST_NAMES.map((_, i) => 1 / (i + 3)));
  const area = weighted(AREAS, AREAS.map((a) => a.weight));
  const rubro = weighted(RUBROS, RUBRO_WEIGHTS);
  const perArea = new Map<string, number>();
  const header = options.extraColumns ? [...BASE_COLUMNS, ...EXTRA_COLUMNS] : [...BASE_COLUMNS];

  const out = createWriteStream(options.file);
  let bytes = 0;
  let lines: string[] = [];
  const write = async (force = false) => {
    if (lines.length === 0 || (!force && lines.length < 5000)) return;
    const text = `${lines.join('\r\n')}\r\n`;
    lines = [];
    bytes += Buffer.byteLength(text);
    if (!out.write(text)) await once(out, 'drain');
  };
  lines.push(header.join(';'));

  // People that later rows may repeat: only those that import cleanly (valid phone and email).
  const reusable: Person[] = [];
  const stats = { duplicates: 0, invalidPhones: 0, badEmails: 0, badEmailAndInvalidPhone: 0 };
  const probes: ContactsCsvStats['probes'] = [];
  const probeAt = new Set([Math.floor(options.rows * 0.6), Math.floor(options.rows * 0.3), Math.floor(options.rows * 0.9)]);

  const extras = () => {
    const tags: string[] = [];
    if (rand() < 0.2) tags.push(TAGS.common);
    if (rand() < 0.05) tags.push(TAGS.selective);
    if (rand() < 0.1) tags.push(TAGS.other);
    return [tags.join(', '), rand() < 0.85 ? rubro(rand()) : '', rand() < 0.3 ? 'sí' : rand() < 0.5 ? 'no' : ''];
  };

  for (let i = 0; i < options.rows; i++) {
    const repeat = i > 100 && reusable.length > 0 && rand() < 0.05;
    if (repeat) {
      // The same person again: nearby (same batch) or from much earlier (an earlier batch).
      const from = rand() < 0.5 ? reusable[Math.max(0, reusable.length - 1 - Math.floor(rand() * 500))]! : pick(reusable);
      stats.duplicates++;
      const email = rand() < 0.3 ? from.email.toUpperCase() : from.email;
      const row = [from.first, from.last.toUpperCase(), from.company, formatPhone(from, Math.floor(rand() * 8)), email];
      lines.push([...row, ...(options.extraColumns ? extras() : [])].map(cell).join(';'));
      await write();
      continue;
    }
    const first = rand() < 0.15 ? `${pick(FIRST_NAMES)} ${pick(FIRST_NAMES)}` : pick(FIRST_NAMES);
    const last = surname(rand());
    const r = rand();
    const company =
      r < 0.25 ? `${pick(BUSINESS)} ${pick(BRAND)}` : r < 0.45 ? `${last} ${pick(LEGAL)}` : r < 0.47 ? `"${pick(BRAND)}" ${pick(LEGAL)}` : r < 0.6 ? `${pick(BUSINESS)} ${last}` : '';
    const a = area(rand());
    // A different line for every person: a bijection of the per-area counter onto the valid range.
    const k = perArea.get(a.code) ?? 0;
    perArea.set(a.code, k + 1);
    const subscriber = a.digits === 8 ? String(20_000_000 + ((k * 7_368_787) % 50_000_000)) : String(4_000_000 + ((k * 1_234_567) % 3_000_000));
    const person: Person = { first, last, company, area: a, subscriber, email: '', landline: rand() < 0.08 };
    const local = `${ascii(first.split(' ')[0]!)}.${ascii(last)}${i}`;
    const e = rand();
    const domain = company && e < 0.2 ? `${ascii(company).slice(0, 20)}.com.ar` : pick(FREE_DOMAINS);
    const badEmail = rand() < 0.005;
    person.email = e > 0.88 ? '' : badEmail ? `${local}@${domain.split('.')[0]}` : `${local}@${domain}`;
    const invalidPhone = rand() < 0.1;
    const phone = invalidPhone ? pick(MESSY_INVALID) : formatPhone(person, Math.floor(rand() * 8));
    if (invalidPhone) stats.invalidPhones++;
    const rejected = badEmail && person.email !== '';
    if (rejected) stats.badEmails++;
    if (rejected && invalidPhone) stats.badEmailAndInvalidPhone++;
    const line = [first, last, company, phone, person.email, ...(options.extraColumns ? extras() : [])].map(cell).join(';');
    if (!invalidPhone && !rejected) reusable.push(person);
    if (probeAt.has(i)) {
      // A probe is a clean mobile with an email, written in the file in a format other than the one searched.
      const s = person.subscriber;
      const typed = a.code === '11' ? `11 ${s.slice(0, 4)}-${s.slice(4)}` : `0${a.code} 15 ${s.slice(0, 3)}-${s.slice(3)}`;
      if (!invalidPhone && !rejected && !person.landline && person.email && phone.replace(/\D/g, '') !== typed.replace(/\D/g, '')) {
        probes.push({ surname: last, phoneDigits: `${a.code}${s}`, phoneTyped: typed, email: person.email, line });
      } else {
        probeAt.add(i + 1);
      }
    }
    lines.push(line);
    await write();
  }
  await write(true);
  out.end();
  await once(out, 'finish');

  const rejected = stats.badEmails;
  const skipped = stats.duplicates;
  const inserted = options.rows - rejected - skipped;
  const phoneInvalid = stats.invalidPhones - stats.badEmailAndInvalidPhone;
  return {
    rows: options.rows,
    bytes,
    header,
    duplicates: stats.duplicates,
    invalidPhones: stats.invalidPhones,
    badEmails: stats.badEmails,
    expected: { inserted, skipped, rejected, phoneValid: inserted - phoneInvalid, phoneInvalid },
    probes,
  };
}
