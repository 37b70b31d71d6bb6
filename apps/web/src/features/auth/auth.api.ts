import type { Me } from '@leadmaster/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { api, ApiError } from '../../lib/api';
import { ME_KEY } from '../../lib/query-client';
import { useToast } from '../../ui/Toast';

/** The signed-in user, or null when signed out. */
async function fetchMe(signal: AbortSignal): Promise<Me | null> {
  try {
    return await api.get<Me>('/api/v1/auth/me', signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

export function useMeQuery() {
  return useQuery({ queryKey: ME_KEY, queryFn: ({ signal }) => fetchMe(signal), staleTime: 60_000 });
}

export type LoginStatus = { status: 'ok' | 'totp_required' };

export const authApi = {
  login: (body: { login: string; password: string }) => api.post<LoginStatus>('/api/v1/auth/login', body),
  loginTotp: (body: { code: string } | { recoveryCode: string }) => api.post<LoginStatus>('/api/v1/auth/login/totp', body),
  logout: () => api.post<{ ok: true }>('/api/v1/auth/logout'),
};

/** Signs out, forgets every cached answer of this user, and shows the sign-in screen. */
export function useLogout() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const toast = useToast();
  return useMutation({
    mutationFn: () => authApi.logout().catch((error: unknown) => {
      // Already signed out on the server: the outcome the user wanted.
      if (error instanceof ApiError && error.status === 401) return;
      throw error;
    }),
    onSuccess: () => {
      // The next person to sign in on this device starts from the start page, not from our last screen.
      void navigate('/', { replace: true });
      toast.clear();
      queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
      queryClient.setQueryData(ME_KEY, null);
    },
  });
}

/** After a successful sign-in: load the session, which swaps the gate for the app. */
export function useSignedIn() {
  const queryClient = useQueryClient();
  return async () => {
    queryClient.removeQueries({ predicate: (q) => q.queryKey[0] !== ME_KEY[0] });
    await queryClient.invalidateQueries({ queryKey: ME_KEY });
  };
}
