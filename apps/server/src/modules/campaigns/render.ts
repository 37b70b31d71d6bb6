/**
 * Template rendering: a pure function of the text and the recipient's values. `{{firstName}}`,
 * `{{company}}`, any custom attribute (`{{industry}}` or `{{attributes.industry}}`), each with an
 * optional fallback after a bar: `{{firstName|amigo}}`. Text outside the braces is copied as it is
 * (emoji, any script, right-to-left text): nothing is normalised or re-encoded.
 */
const VARIABLE = /\{\{\s*([A-Za-z_][\w.]*)\s*(?:\|([^}]*))?\}\}/g;

export type RenderValues = Record<string, unknown>;
export type Rendered = { text: string; missing: string[] };

/** The values a contact offers to templates: its own fields, then its custom attributes. */
export function valuesOf(contact: {
  firstName: string;
  lastName: string;
  company: string;
  email: string | null;
  phoneE164: string | null;
  attributes: Record<string, unknown>;
}): RenderValues {
  const fullName = [contact.firstName, contact.lastName].filter(Boolean).join(' ');
  return {
    ...contact.attributes,
    firstName: contact.firstName,
    lastName: contact.lastName,
    fullName,
    company: contact.company,
    email: contact.email ?? '',
    phone: contact.phoneE164 ?? '',
    attributes: contact.attributes,
  };
}

function lookup(values: RenderValues, path: string): string {
  let current: unknown = values;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object') return '';
    current = (current as Record<string, unknown>)[part];
  }
  if (current === null || current === undefined) return '';
  if (typeof current === 'string') return current.trim();
  if (typeof current === 'number' || typeof current === 'boolean') return String(current);
  return '';
}

export function renderText(text: string, values: RenderValues): Rendered {
  const missing = new Set<string>();
  const out = text.replace(VARIABLE, (_match, name: string, fallback: string | undefined) => {
    const value = lookup(values, name);
    if (value) return value;
    if (fallback !== undefined) return fallback.trim();
    missing.add(name);
    return '';
  });
  return { text: out, missing: [...missing] };
}

/** The variables a text uses, in order of first use. */
export function variablesOf(...texts: string[]): string[] {
  const names = new Set<string>();
  for (const text of texts) for (const m of text.matchAll(VARIABLE)) names.add(m[1]!);
  return [...names];
}

export type TemplateContent = { body: string; whatsappTemplate: { name: string; language: string; parameters: string[]; headerParameters?: string[] } | null };

/** The body and the WhatsApp template's parameters (its TEXT header's and its body's) for one recipient. */
export function renderTemplate(template: TemplateContent, values: RenderValues) {
  const body = renderText(template.body, values);
  const mapping = template.whatsappTemplate;
  const parameters = (mapping?.parameters ?? []).map((p) => renderText(p, values));
  const headerParameters = (mapping?.headerParameters ?? []).map((p) => renderText(p, values));
  return {
    body: body.text,
    whatsappTemplate: mapping
      ? { name: mapping.name, language: mapping.language, parameters: parameters.map((p) => p.text), ...(headerParameters.length ? { headerParameters: headerParameters.map((p) => p.text) } : {}) }
      : null,
    missing: [...new Set([...body.missing, ...headerParameters.flatMap((p) => p.missing), ...parameters.flatMap((p) => p.missing)])],
  };
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Length as a person counts it: one per grapheme cluster (a flag, a family emoji, "é" written as e + accent). */
export function graphemeLength(text: string): number {
  let n = 0;
  for (const _ of segmenter.segment(text)) n++;
  return n;
}

export const lengthOf = (text: string) => ({ graphemes: graphemeLength(text), codeUnits: text.length });

/** The first `max` graphemes: never cuts a surrogate pair, a combining mark or an emoji sequence. */
export function truncateGraphemes(text: string, max: number): string {
  let out = '';
  let n = 0;
  for (const { segment } of segmenter.segment(text)) {
    if (n++ >= max) break;
    out += segment;
  }
  return out;
}
