import { MEDIA_HEADER_FORMATS, TemplateHeaderFormat, type TemplateMediaProblem } from '@leadmaster/contracts';

/**
 * What a WhatsApp template's components say LeadMaster must send with it: the HEADER's format (a
 * file for IMAGE, VIDEO, DOCUMENT) and how many parameters the BODY takes, read from Meta's
 * `message_templates` answer; and whether a file fits that header. Campaigns (plan and launch) and
 * the inbox composer ask the same question, so both refuse the same mismatches.
 */
export type MediaKind = 'image' | 'video' | 'audio' | 'document';

/** How the Cloud API sends a file of this type: Meta's image messages and image headers take JPEG and PNG only. */
export function mediaKind(mimeType: string): MediaKind {
  if (mimeType === 'image/jpeg' || mimeType === 'image/png') return 'image';
  if (mimeType.startsWith('video/')) return 'video';
  if (mimeType.startsWith('audio/')) return 'audio';
  return 'document';
}

type Component = { type?: unknown; format?: unknown; text?: unknown };
const componentsOf = (components: unknown): Component[] => (Array.isArray(components) ? components.filter((c): c is Component => Boolean(c) && typeof c === 'object') : []);

/** The HEADER's format, null for a template without a header, undefined when Meta gave no components. */
export function headerFormatOf(components: unknown): TemplateHeaderFormat | null | undefined {
  if (!Array.isArray(components)) return undefined;
  const header = componentsOf(components).find((c) => String(c.type).toUpperCase() === 'HEADER');
  if (!header) return null;
  const format = TemplateHeaderFormat.safeParse(String(header.format ?? 'TEXT').toUpperCase());
  // A header format Meta adds later is not one LeadMaster can fill: treated as taking no file.
  return format.success ? format.data : 'TEXT';
}

/** The distinct `{{1}}`/`{{name}}` parameters of the BODY's text; undefined when Meta gave no components. */
export function bodyParameterCount(components: unknown): number | undefined {
  return parameterCount(components, 'BODY');
}

/** The distinct parameters of a TEXT HEADER's text (Meta allows one); 0 for any other header or none. */
export function headerParameterCount(components: unknown): number | undefined {
  return parameterCount(components, 'HEADER');
}

function parameterCount(components: unknown, type: 'BODY' | 'HEADER'): number | undefined {
  if (!Array.isArray(components)) return undefined;
  const found = componentsOf(components).find((c) => String(c.type).toUpperCase() === type);
  if (type === 'HEADER' && found && String(found.format ?? 'TEXT').toUpperCase() !== 'TEXT') return 0;
  const text = typeof found?.text === 'string' ? found.text : '';
  return new Set([...text.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1])).size;
}

/**
 * Why a file (its type, or none) does not fit a template's header, or null when it fits. An unknown
 * format (undefined) is not a reason to refuse: Meta's own error answers the send then.
 */
export function headerMediaProblem(format: TemplateHeaderFormat | null | undefined, mimeType: string | null): TemplateMediaProblem | null {
  if (format === undefined) return null;
  const takesFile = format !== null && MEDIA_HEADER_FORMATS.includes(format);
  if (!takesFile) return mimeType ? 'template_header_takes_no_media' : null;
  if (!mimeType) return 'template_header_needs_media';
  return mediaKind(mimeType) === format.toLowerCase() ? null : 'template_header_media_type';
}
