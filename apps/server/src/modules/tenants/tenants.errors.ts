import { AppError, notFound } from '../../platform/errors';

export const tenantNotFound = () => notFound('Workspace');
export const slugTaken = (slug: string) => new AppError('already_exists', `The workspace address "${slug}" is taken`, { field: 'slug' });
export const tenantSuspended = () =>
  new AppError('tenant_suspended', 'This workspace is suspended. Contact your LeadMaster operator.');
