/** How many leading bytes `sniffContentType` looks at. */
export const SNIFF_BYTES = 4096;

const OOXML: Record<string, string> = {
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
};
const LEGACY_OFFICE: Record<string, string> = { doc: 'application/msword', xls: 'application/vnd.ms-excel', ppt: 'application/vnd.ms-powerpoint' };

const startsWith = (head: Buffer, bytes: number[] | string, at = 0) => {
  const expected = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
  return head.length >= at + expected.length && head.subarray(at, at + expected.length).equals(expected);
};

const extensionOf = (name: string) => name.toLowerCase().match(/\.([a-z0-9]+)$/)?.[1] ?? '';

/** The one of `candidates` the uploader named, by declared type first, then by extension. */
function declaredAmong(candidates: Record<string, string>, declared: string, name: string): string | null {
  const byType = Object.values(candidates).find((t) => t === declared);
  return byType ?? candidates[extensionOf(name)] ?? null;
}

/** Plain text: valid UTF-8 with no control bytes a text file would not have. */
function looksLikeText(head: Buffer, complete: boolean): boolean {
  if (head.length === 0) return false;
  // A multi-byte character cut by the end of the sample is not an error.
  const sample = complete ? head : head.subarray(0, Math.max(0, head.length - 3));
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample);
  } catch {
    return false;
  }
  for (const byte of sample) if (byte < 0x09 || (byte > 0x0d && byte < 0x20 && byte !== 0x1b)) return false;
  return true;
}

/**
 * The content type of a file, read from its first bytes (`head`), among the accepted types only;
 * null when it is none of them. The declared type and the file name only choose between formats
 * that share a container (an OOXML document is a ZIP, .doc/.xls/.ppt share one header, an MP4
 * may hold only audio, text has no signature) — never make a file pass that its bytes refute.
 */
export function sniffContentType(options: { head: Buffer; declaredType: string; fileName: string; complete: boolean }): string | null {
  const { head, fileName, complete } = options;
  const declared = options.declaredType.split(';')[0]!.trim().toLowerCase();
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (startsWith(head, '%PDF-')) return 'application/pdf';
  if (startsWith(head, '#!AMR\n')) return 'audio/amr';
  if (startsWith(head, 'OggS')) return 'audio/ogg';
  if (startsWith(head, 'ftyp', 4)) {
    const brand = head.subarray(8, 12).toString('latin1');
    if (brand.startsWith('3g')) return 'video/3gpp';
    if (brand === 'M4A ' || brand === 'M4B ' || declared === 'audio/mp4' || extensionOf(fileName) === 'm4a') return 'audio/mp4';
    return 'video/mp4';
  }
  if (startsWith(head, 'ID3')) return 'audio/mpeg';
  if (head.length >= 2 && head[0] === 0xff && (head[1]! & 0xe0) === 0xe0) {
    // Both start with a frame sync: ADTS (AAC) has layer bits 00, MPEG audio (MP3) does not.
    return (head[1]! & 0x06) === 0 ? 'audio/aac' : 'audio/mpeg';
  }
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    // Office files are ZIPs whose first entry is [Content_Types].xml (or its _rels): any other ZIP is refused.
    const firstName = head.subarray(30, 30 + head.readUInt16LE(26)).toString('latin1');
    if (!(firstName === '[Content_Types].xml' || firstName.startsWith('_rels/') || firstName.startsWith('docProps/'))) return null;
    return declaredAmong(OOXML, declared, fileName);
  }
  if (startsWith(head, [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])) return declaredAmong(LEGACY_OFFICE, declared, fileName);
  if ((declared === 'text/plain' || extensionOf(fileName) === 'txt') && looksLikeText(head, complete)) return 'text/plain';
  return null;
}

const familyOf = (type: string) => (/^(image|video|audio)\//.exec(type)?.[1] ?? 'document');

/**
 * Whether what the uploader declared agrees with what the bytes are. A generic or missing type
 * agrees with anything; otherwise the families (image, video, audio, document) must match, except
 * that MP4 and 3GPP hold audio as well as video.
 */
export function declaredTypeAgrees(declaredType: string, sniffed: string): boolean {
  const declared = declaredType.split(';')[0]!.trim().toLowerCase();
  if (!declared || declared === 'application/octet-stream' || declared === 'binary/octet-stream') return true;
  if (familyOf(declared) === familyOf(sniffed)) return true;
  const containers = ['audio/mp4', 'video/mp4', 'video/3gpp', 'audio/3gpp'];
  return containers.includes(declared) && containers.includes(sniffed);
}
