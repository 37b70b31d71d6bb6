import type { Me, Permission } from '@leadmaster/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { ME_KEY } from '../../lib/query-client';
import { useMeQuery } from './auth.api';

/** The current session. Only for components rendered behind the auth gate, where it is loaded. */
export function useSession(): Me {
  const { data } = useMeQuery();
  if (!data) throw new Error('useSession() used outside the signed-in app');
  return data;
}

export function useCan() {
  const { permissions } = useSession();
  return (permission: Permission) => permissions.includes(permission);
}

export function useIsOwner() {
  return useSession().user.roleName === 'owner';
}

/** Updates the cached session in place after a change the server confirmed. */
export function useUpdateSession() {
  const queryClient = useQueryClient();
  return (update: (me: Me) => Me) => queryClient.setQueryData<Me | null>(ME_KEY, (me) => (me ? update(me) : me));
}
