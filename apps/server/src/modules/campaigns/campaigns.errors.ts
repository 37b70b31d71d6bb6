import type { TemplateOnChannel } from '@leadmaster/contracts';
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
