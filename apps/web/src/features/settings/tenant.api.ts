import type { Tenant } from '@leadmaster/contracts';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

export const TENANT_KEY = ['tenant'] as const;

export type TenantChanges = Partial<Pick<Tenant, 'name' | 'timezone' | 'country' | 'locale' | 'requireTwoFactor'>>;

export function useTenant() {
  return useQuery({ queryKey: TENANT_KEY, queryFn: ({ signal }) => api.get<Tenant>('/api/v1/tenant', signal) });
}

export const updateTenant = (changes: TenantChanges) => api.patch<Tenant>('/api/v1/tenant', changes);
