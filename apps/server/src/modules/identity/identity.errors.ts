import { AppError, notFound } from '../../platform/errors';

/** One answer for an unknown account and a wrong password: the response must not tell them apart. */
export const invalidCredentials = () => new AppError('invalid_credentials', 'Invalid login or password');

export const tooManyAttempts = (until: Date, now: Date) =>
  new AppError('rate_limited', 'Too many failed attempts. Try again later.', undefined, {
    'retry-after': String(Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000))),
  });

export const invalidTotp = () => new AppError('invalid_totp', 'That code is not valid. Check your authenticator app.');
export const signInAgain = () => new AppError('unauthenticated', 'Your sign-in expired. Sign in again.');
export const wrongPassword = () =>
  new AppError('invalid_credentials', 'The current password is not correct', { field: 'currentPassword', reason: 'wrong_password' });
export const loginTaken = (field: 'email' | 'username') =>
  new AppError('already_exists', `That ${field} is already used by another account`, { field, reason: 'login_taken' });
export const userNotFound = () => notFound('User');
export const roleNotFound = () => notFound('Role');
export const apiKeyNotFound = () => notFound('API key');
export const setupDone = () => notFound('Route');
export const cannotGrant = (permissions: string[]) =>
  new AppError('forbidden', 'You cannot grant permissions you do not have', { permissions, reason: 'cannot_grant' });
export const lastOwner = () => new AppError('invalid_state', 'The workspace needs at least one active owner', { reason: 'last_owner' });
export const ownerOnly = () => new AppError('forbidden', 'Only a workspace owner can do this', { reason: 'owner_only' });
