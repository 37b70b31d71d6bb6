import { z } from 'zod';

/**
 * Files a tenant uploads to send (template media, inbox attachments). The types and sizes are
 * WhatsApp Cloud API's media limits, the strictest of the sending channels (decision 0029), so a
 * file accepted here can go out on any channel.
 */
export const FILE_KINDS = ['image', 'video', 'audio', 'document'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

const MB = 1024 * 1024;
export const FILE_LIMITS: Record<FileKind, { maxBytes: number; types: readonly string[] }> = {
  image: { maxBytes: 5 * MB, types: ['image/jpeg', 'image/png'] },
  video: { maxBytes: 16 * MB, types: ['video/mp4', 'video/3gpp'] },
  audio: { maxBytes: 16 * MB, types: ['audio/aac', 'audio/mp4', 'audio/mpeg', 'audio/amr', 'audio/ogg'] },
  document: {
    maxBytes: 100 * MB,
    types: [
      'application/pdf',
      'text/plain',
      'application/msword',
      'application/vnd.ms-excel',
      'application/vnd.ms-powerpoint',
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
    ],
  },
};

/** The largest file of any kind (what the upload reads at most). */
export const MAX_FILE_BYTES = Math.max(...FILE_KINDS.map((k) => FILE_LIMITS[k].maxBytes));

/** The kind of an accepted content type, null for any other type. */
export function fileKindOf(contentType: string | null | undefined): FileKind | null {
  if (!contentType) return null;
  const bare = contentType.split(';')[0]!.trim().toLowerCase();
  return FILE_KINDS.find((k) => FILE_LIMITS[k].types.includes(bare)) ?? null;
}

/** What the browser's file picker offers (types and the extensions some systems need). */
export const FILE_ACCEPT = [...FILE_KINDS.flatMap((k) => FILE_LIMITS[k].types), '.jpg', '.jpeg', '.png', '.mp4', '.3gp', '.aac', '.m4a', '.mp3', '.amr', '.ogg', '.opus', '.pdf', '.txt', '.doc', '.docx', '.xls', '.xlsx', '.ppt', '.pptx'].join(',');

export const StoredFile = z.object({
  id: z.string(),
  name: z.string(),
  /** The type the content was recognised as (its first bytes), not the one the uploader declared. */
  contentType: z.string(),
  kind: z.enum(FILE_KINDS),
  size: z.number().int(),
  /** Where the tenant's browser fetches it (a download, or inline for images, audio and video). */
  url: z.string(),
  createdAt: z.string(),
});
export type StoredFile = z.infer<typeof StoredFile>;
