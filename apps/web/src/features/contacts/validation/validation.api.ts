import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { api, query, type Page } from '../../../lib/api';
import type { Contact } from '../contacts.api';

export const QUEUE_KEY = ['validation-queue'] as const;
export type QueueStats = { pending: number; approvedToday: number; reviewers: { userId: string; name: string; approved: number; rejected: number }[] };

/** Pending prospects, best contactability first. */
export function useValidationQueue() {
  return useInfiniteQuery({
    queryKey: [...QUEUE_KEY, 'items'],
    queryFn: ({ pageParam, signal }) => api.get<Page<Contact>>(`/api/v1/validation-queue${query({ limit: 20, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // Reviewing is sequential: a background refetch would reshuffle the prospect under the reviewer's eyes.
    refetchOnWindowFocus: false,
    staleTime: Infinity,
  });
}

export function useQueueStats() {
  return useQuery({ queryKey: [...QUEUE_KEY, 'stats'], queryFn: ({ signal }) => api.get<QueueStats>('/api/v1/validation-queue/stats', signal) });
}

export const reviewApi = {
  approve: (contactId: string, note?: string) => api.post<unknown>(`/api/v1/validation-queue/${contactId}/approve`, note ? { note } : {}),
  reject: (contactId: string, reason: string) => api.post<unknown>(`/api/v1/validation-queue/${contactId}/reject`, { reason }),
  note: (contactId: string, note: string) => api.post<unknown>(`/api/v1/validation-queue/${contactId}/note`, { note }),
};
