import type { TemplateMediaProblem, TemplateOnChannel } from '@leadmaster/contracts';
import { AppError, notFound } from '../../platform/errors';

export const templateNotFound = () => notFound('Template');
export const campaignNotFound = () => notFound('Campaign');
export const invalidState = (from: string, action: string) =>
  new AppError('invalid_state', `A ${from} campaign cannot be asked to ${action}`, { status: from, action });
export const unknownReference = (field: string, message: string) => new AppError('validation_failed', message, { field });

/** Meta would refuse every send of the template on these numbers (132015/132016, 132001): say where and why. */
export const templateNotApproved = (action: string, blocked: TemplateOnChannel[]) => {
  const where = blocked.map((b) => `${b.channelName ?? b.channelId} (${b.status === 'MISSING' ? 'not in its synced template list' : b.status})`).join(', ');
  const first = blocked[0]!;
  return new AppError(
    'conflict',
    `The campaign cannot ${action}: its WhatsApp template "${first.name}" (${first.language}) is not approved by Meta on ${where}. Resume or launch it once Meta approves the template again (or sync the number's templates), or use another template.`,
    { reason: 'template_not_approved', channels: blocked },
  );
};

const MEDIA_WORDS: Record<TemplateMediaProblem, (t: TemplateOnChannel, mimeType: string | null) => string> = {
  template_header_needs_media: (t) => `Meta's template "${t.name}" (${t.language}) has a ${t.headerFormat} header, and the campaign's template has no file to put in it: attach one to the template`,
  template_header_takes_no_media: (t) => `Meta's template "${t.name}" (${t.language}) has ${t.headerFormat ? `a ${t.headerFormat} header` : 'no header'}, which takes no file, and the campaign's template carries one: remove it or map a template with a media header`,
  template_header_media_type: (t, mimeType) => `Meta's template "${t.name}" (${t.language}) has a ${t.headerFormat} header, which cannot carry the campaign template's ${mimeType ?? ''} file${t.headerFormat === 'IMAGE' ? ' (JPEG or PNG only)' : ''}`,
};

/** Meta would refuse every send (132012): the campaign template's file does not fit the Meta template's header. */
export const templateMediaMismatch = (action: string, blocked: TemplateOnChannel[], mimeType: string | null) => {
  const first = blocked[0]!;
  const problem = first.mediaProblem!;
  const where = blocked.map((b) => b.channelName ?? b.channelId).join(', ');
  return new AppError('conflict', `The campaign cannot ${action}: ${MEDIA_WORDS[problem](first, mimeType)} (on ${where}).`, { reason: problem, mimeType, channels: blocked });
};

/** Meta would refuse every send (132000): the mapping fills other parameters than the Meta template takes. */
export const templateParameterMismatch = (action: string, blocked: TemplateOnChannel[]) => {
  const first = blocked[0]!;
  const where = blocked.map((b) => b.channelName ?? b.channelId).join(', ');
  const words =
    first.parameterProblem === 'template_header_parameters'
      ? first.headerParameters
        ? `Meta's template "${first.name}" (${first.language}) has a text header with a {{1}} variable, and the campaign's template does not fill it: add the header parameter to its WhatsApp mapping`
        : `Meta's template "${first.name}" (${first.language}) has no header variable, and the campaign's template gives one: remove the header parameter from its WhatsApp mapping`
      : `Meta's template "${first.name}" (${first.language}) takes ${first.bodyParameters ?? '?'} body parameter(s), and the campaign's template maps a different number: fix its WhatsApp mapping`;
  return new AppError('conflict', `The campaign cannot ${action}: ${words} (on ${where}).`, { reason: first.parameterProblem, channels: blocked });
};
