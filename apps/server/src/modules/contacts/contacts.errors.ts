import { AppError, notFound } from '../../platform/errors';

export const contactNotFound = () => notFound('Contact');
export const phoneTaken = (contactId: string) =>
  new AppError('already_exists', 'Another contact already has this phone number', { field: 'phone', contactId });
export const unknownOwner = () => new AppError('validation_failed', 'The owner is not a user of this workspace', { field: 'ownerId', reason: 'unknown_owner' });
export const unknownAttribute = (key: string) =>
  new AppError('validation_failed', `"${key}" is not a field of this workspace; add it to the field catalogue first`, { field: `attributes.${key}`, key, reason: 'unknown_attribute' });
export const badAttribute = (key: string, expected: string) =>
  new AppError('validation_failed', `"${key}" must be ${expected}`, { field: `attributes.${key}` });
export const invalidFilter = (message: string) => new AppError('validation_failed', `Invalid filter: ${message}`, { field: 'filter' });
export const segmentNotFound = () => notFound('Segment');
export const importNotFound = () => notFound('Import');
export const memberNotFound = () => notFound('Household member');
export const confirmedMemberProtected = () =>
  new AppError('invalid_state', 'A confirmed household member cannot be deleted or changed; unconfirm it first', { reason: 'confirmed_member' });
