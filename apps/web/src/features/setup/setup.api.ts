import type { SetupBody } from '@leadmaster/contracts';
import { useQuery } from '@tanstack/react-query';
import { api } from '../../lib/api';

export const SETUP_KEY = ['setup'] as const;

export function useSetupStatus(enabled: boolean) {
  return useQuery({
    queryKey: SETUP_KEY,
    queryFn: ({ signal }) => api.get<{ setupRequired: boolean }>('/api/v1/setup', signal),
    enabled,
    staleTime: Infinity,
  });
}

export const runSetup = (body: SetupBody) => api.post<{ status: 'ok' }>('/api/v1/setup', body);

/** "Ventas Acme S.A." → "ventas-acme-s-a": what the server accepts as a slug. */
export function slugify(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
}
