import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

/**
 * Types a browser may show in place (an <img>, <video> or <audio>, or opened in a tab). None of
 * them runs script in LeadMaster's origin; everything else — HTML, SVG, XML, PDF, whatever a
 * contact sent — is served as a download of opaque bytes.
 */
const INLINE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'video/mp4', 'video/3gpp', 'audio/aac', 'audio/mp4', 'audio/mpeg', 'audio/amr', 'audio/ogg']);

const asciiName = (name: string) => name.replace(/[^\w.-]+/g, '_').slice(0, 150) || 'file';

/** Sends a stored file to the tenant's browser without letting it become a page of ours. */
export function sendStoredFile(reply: FastifyReply, file: { contentType: string; fileName: string; size: number; stream: Readable }) {
  const bare = file.contentType.split(';')[0]!.trim().toLowerCase();
  const inline = INLINE_TYPES.has(bare);
  return reply
    .type(inline || bare === 'application/pdf' || bare.startsWith('application/vnd.') || bare === 'application/msword' ? bare : 'application/octet-stream')
    .header('content-length', String(file.size))
    .header('content-disposition', `${inline ? 'inline' : 'attachment'}; filename="${asciiName(file.fileName)}"; filename*=UTF-8''${encodeURIComponent(file.fileName)}`)
    .header('x-content-type-options', 'nosniff')
    .header('content-security-policy', "default-src 'none'; sandbox")
    .header('cross-origin-resource-policy', 'same-origin')
    .header('cache-control', 'private, max-age=3600')
    .send(file.stream);
}
