import type { ApiKey } from '@leadmaster/contracts';
import { useQuery } from '@tanstack/react-query';
import { api, type Page } from '../../lib/api';

export const API_KEYS_KEY = ['api-keys'] as const;

export function useApiKeys() {
  return useQuery({
    queryKey: API_KEYS_KEY,
    queryFn: ({ signal }) => api.get<Page<ApiKey>>('/api/v1/api-keys', signal).then((page) => page.items),
  });
}

export const apiKeysApi = {
  create: (input: { name: string; permissions: string[] }) => api.post<{ apiKey: ApiKey; token: string }>('/api/v1/api-keys', input),
  revoke: (id: string) => api.delete<ApiKey>(`/api/v1/api-keys/${id}`),
};
