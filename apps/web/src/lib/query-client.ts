import { MutationCache, QueryCache, QueryClient } from '@tanstack/react-query';
import { ApiError } from './api';

export const ME_KEY = ['me'] as const;

/**
 * A 401 anywhere means the session ended (logout elsewhere, password change, expiry) and a 403
 * `totp_enrolment_required` means the workspace now requires 2FA: both are settled by re-reading
 * /auth/me, which the auth gate watches.
 */
function onSessionError(error: unknown, key?: readonly unknown[]) {
  if (!(error instanceof ApiError)) return;
  if (key && key[0] === ME_KEY[0]) return;
  if (error.status === 401 || error.code === 'totp_enrolment_required') void queryClient.invalidateQueries({ queryKey: ME_KEY });
}

export const queryClient = new QueryClient({
  queryCache: new QueryCache({ onError: (error, q) => onSessionError(error, q.queryKey) }),
  mutationCache: new MutationCache({ onError: (error) => onSessionError(error) }),
  defaultOptions: {
    queries: {
      staleTime: 30_000,
      refetchOnWindowFocus: true,
      // Client errors will not fix themselves; network and server errors might.
      retry: (count, error) => (error instanceof ApiError && error.status >= 400 && error.status < 500 ? false : count < 2),
    },
    mutations: { retry: false },
  },
});
