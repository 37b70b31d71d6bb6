import type { User } from '@leadmaster/contracts';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../lib/api';

export const USERS_KEY = ['users'] as const;
const PAGE_SIZE = 50;

export function useUsersPages() {
  return useInfiniteQuery({
    queryKey: [...USERS_KEY, 'pages'],
    queryFn: ({ pageParam, signal }) => api.get<Page<User>>(`/api/v1/users${query({ limit: PAGE_SIZE, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** Everyone, for pickers (audit filter, "created by"): follows the cursor to the end. */
export function useAllUsers(enabled = true) {
  return useQuery({
    queryKey: [...USERS_KEY, 'all'],
    enabled,
    queryFn: async ({ signal }) => {
      const users: User[] = [];
      let cursor: string | undefined;
      do {
        const page = await api.get<Page<User>>(`/api/v1/users${query({ limit: 200, cursor })}`, signal);
        users.push(...page.items);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return users;
    },
  });
}

export type NewUser = { email: string; username?: string; name: string; roleId: string; password: string };
export type UserChanges = { name?: string; roleId?: string; status?: 'active' | 'disabled' };

export const usersApi = {
  create: (user: NewUser) => api.post<User>('/api/v1/users', user),
  update: (id: string, changes: UserChanges) => api.patch<User>(`/api/v1/users/${id}`, changes),
  resetTwoFactor: (id: string) => api.post<User>(`/api/v1/users/${id}/reset-2fa`),
};
