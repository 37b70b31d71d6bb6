import { AppError, notFound } from '../../platform/errors';

export const templateNotFound = () => notFound('Template');
export const campaignNotFound = () => notFound('Campaign');
export const invalidState = (from: string, action: string) =>
  new AppError('invalid_state', `A ${from} campaign cannot be asked to ${action}`, { status: from, action });
export const unknownReference = (field: string, message: string) => new AppError('validation_failed', message, { field });
