import { useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { ME_KEY } from '../lib/query-client';
import { realtime, SESSION_ENDED_EVENT } from '../lib/realtime';
import { sessionKey } from '../features/channels/channels.api';
import { campaignKey, CAMPAIGNS_KEY, recipientsKey, timelineKey, type Campaign } from '../features/campaigns/campaigns.api';

type TaskEvent = { id: string };
type ImportEvent = { id: string };

/**
 * Connects while the signed-in app is shown and feeds events into the query cache, where screens
 * read them (a background task's progress lands in ['tasks', id], the key a task screen queries; an
 * import's in ['contact-imports', id]).
 */
export function RealtimeBridge() {
  const queryClient = useQueryClient();
  useEffect(() => {
    // A running campaign reports often (each claim, each delivery): refetch at most once a second per campaign.
    const refetchTimers = new Map<string, ReturnType<typeof setTimeout>>();
    const timelineTimers = new Map<string, ReturnType<typeof setTimeout>>();
    const refetchCampaign = (id: string) => {
      if (!refetchTimers.has(id)) {
        refetchTimers.set(
          id,
          setTimeout(() => {
            refetchTimers.delete(id);
            void queryClient.invalidateQueries({ queryKey: campaignKey(id) });
            void queryClient.invalidateQueries({ queryKey: [...CAMPAIGNS_KEY, 'list'] });
            void queryClient.invalidateQueries({ queryKey: recipientsKey(id) });
          }, 1_000),
        );
      }
      // The chart over time is a pass over the campaign's ledger (decision 0026, ~2 s for 200,000
      // recipients): at most every 5 s, every 30 s for a large campaign.
      if (!timelineTimers.has(id)) {
        const total = queryClient.getQueryData<Campaign>(campaignKey(id))?.stats.total ?? 0;
        timelineTimers.set(
          id,
          setTimeout(
            () => {
              timelineTimers.delete(id);
              void queryClient.invalidateQueries({ queryKey: timelineKey(id) });
            },
            total > 20_000 ? 30_000 : 5_000,
          ),
        );
      }
    };
    const offs = [
      realtime.subscribe('task.updated', (data) => {
        const task = data as TaskEvent;
        if (task && typeof task.id === 'string') queryClient.setQueryData(['tasks', task.id], task);
      }),
      // An import's progress lands where its screen reads it (features/contacts/import/imports.api.ts).
      realtime.subscribe('contacts.import.updated', (data) => {
        const imp = data as ImportEvent;
        if (imp && typeof imp.id === 'string') queryClient.setQueryData(['contact-imports', imp.id], imp);
      }),
      // A WhatsApp Web session's state and QR, where its screen reads them (features/channels/channels.api.ts).
      realtime.subscribe('session.state_changed', (data) => {
        const { channelId, ...status } = (data ?? {}) as { channelId?: unknown; state?: unknown; qr?: unknown };
        if (typeof channelId !== 'string' || !('state' in status)) return;
        // A code too big for the event comes without its image: fetch the status instead.
        if (status.state === 'QR_REQUIRED' && !status.qr) void queryClient.invalidateQueries({ queryKey: sessionKey(channelId) });
        else queryClient.setQueryData(sessionKey(channelId), status);
      }),
      // A campaign's counts and state (features/campaigns/campaigns.api.ts): the event's stats land at once,
      // and the campaign is refetched for what an event leaves out (a delivery names only the recipient).
      realtime.subscribe('campaign.progress', (data) => {
        const event = (data ?? {}) as { campaignId?: unknown; status?: Campaign['status']; stats?: Campaign['stats']; pausedReason?: string | null };
        if (typeof event.campaignId !== 'string') return;
        queryClient.setQueryData<Campaign>(campaignKey(event.campaignId), (old) =>
          old ? { ...old, ...(event.status ? { status: event.status } : {}), ...(event.stats ? { stats: event.stats } : {}), ...(event.pausedReason !== undefined ? { pausedReason: event.pausedReason } : {}) } : old,
        );
        refetchCampaign(event.campaignId);
      }),
      realtime.subscribe('campaign.alert', (data) => {
        const alert = (data ?? {}) as { campaignId?: unknown };
        if (typeof alert.campaignId === 'string') refetchCampaign(alert.campaignId);
      }),
      realtime.subscribe(SESSION_ENDED_EVENT, () => void queryClient.invalidateQueries({ queryKey: ME_KEY })),
    ];
    realtime.start();
    return () => {
      offs.forEach((off) => off());
      refetchTimers.forEach((timer) => clearTimeout(timer));
      timelineTimers.forEach((timer) => clearTimeout(timer));
      realtime.stop();
    };
  }, [queryClient]);
  return null;
}
