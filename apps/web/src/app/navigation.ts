import type { Permission } from '@leadmaster/contracts';
import { BookUser, Calendar, Inbox, Megaphone, RadioTower, Settings, type LucideIcon } from 'lucide-react';

export type NavItem = {
  to: string;
  labelKey: 'nav.inbox' | 'nav.contacts' | 'nav.campaigns' | 'nav.calendar' | 'nav.channels' | 'nav.settings';
  icon: LucideIcon;
  /** Needed to see the item; null for everyone. */
  permission: Permission | null;
};

export const MAIN_NAV: NavItem[] = [
  { to: '/inbox', labelKey: 'nav.inbox', icon: Inbox, permission: 'inbox.read' },
  { to: '/contacts', labelKey: 'nav.contacts', icon: BookUser, permission: 'contacts.read' },
  { to: '/campaigns', labelKey: 'nav.campaigns', icon: Megaphone, permission: 'campaigns.read' },
  { to: '/calendar', labelKey: 'nav.calendar', icon: Calendar, permission: 'calendar.read' },
  { to: '/channels', labelKey: 'nav.channels', icon: RadioTower, permission: 'channels.read' },
  { to: '/settings', labelKey: 'nav.settings', icon: Settings, permission: null },
];
