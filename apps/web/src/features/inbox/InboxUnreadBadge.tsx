import { useTranslation } from 'react-i18next';
import { useInboxRealtime, useUnreadTotal } from './inbox.api';

/** The signed-in user's unread total beside "Inbox" in the navigation, kept live by the realtime events. */
export function InboxUnreadBadge() {
  const { t } = useTranslation();
  useInboxRealtime();
  const total = useUnreadTotal();
  const count = total.data?.messages ?? 0;
  if (!count) return null;
  return (
    <span className="ml-auto rounded-full bg-[#0A84FF] px-1.5 py-0.5 text-[11px] leading-none font-semibold text-white" data-testid="inbox-unread-total" data-count={count}>
      <span aria-hidden>{count > 99 ? '99+' : count}</span>
      <span className="sr-only">{t('inboxUi.unreadBadge', { count })}</span>
    </span>
  );
}
