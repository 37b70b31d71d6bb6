export { createTenant, getTenant, findTenantIdBySlug, updateTenant, setTenantStatus, presentTenant, type NewTenant } from './tenants.service';
export { tenantSuspended, tenantNotFound } from './tenants.errors';
export type { TenantStatus } from './tenants.tables';
export { tenantsRoutes } from './tenants.routes';
