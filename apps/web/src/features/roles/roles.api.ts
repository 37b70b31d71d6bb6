import type { Role } from '@leadmaster/contracts';
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../../lib/api';

export const ROLES_KEY = ['roles'] as const;
export type RoleInput = { name: string; description: string; permissions: string[] };

export function useRoles(enabled = true) {
  return useQuery({
    queryKey: ROLES_KEY,
    queryFn: ({ signal }) => api.get<Page<Role>>('/api/v1/roles', signal).then((page) => page.items),
    enabled,
  });
}

export function usePermissionCatalogue() {
  return useQuery({
    queryKey: ['permissions'],
    queryFn: ({ signal }) => api.get<{ items: string[] }>('/api/v1/permissions', signal).then((r) => r.items),
    staleTime: Infinity,
  });
}

export const rolesApi = {
  create: (input: RoleInput) => api.post<Role>('/api/v1/roles', input),
  update: (id: string, input: Partial<RoleInput>) => api.patch<Role>(`/api/v1/roles/${id}`, input),
  remove: (id: string) => api.delete<{ ok: true }>(`/api/v1/roles/${id}`),
};
