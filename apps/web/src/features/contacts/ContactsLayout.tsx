import type { Permission } from '@leadmaster/contracts';
import { Ban, BookUser, ClipboardCheck, FileUp, type LucideIcon } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation } from 'react-router';
import { SectionTabs } from '../../ui/SectionTabs';
import { useCan } from '../auth/session';

type Tab = { to: string; labelKey: 'contacts.nav.all' | 'contacts.nav.import' | 'contacts.nav.validation' | 'contacts.nav.blacklist'; icon: LucideIcon; permission: Permission };

/** The contacts area's sections; the routes enforce the same permissions. */
const TABS: Tab[] = [
  { to: '/contacts', labelKey: 'contacts.nav.all', icon: BookUser, permission: 'contacts.read' },
  { to: '/contacts/import', labelKey: 'contacts.nav.import', icon: FileUp, permission: 'contacts.import' },
  { to: '/contacts/validation', labelKey: 'contacts.nav.validation', icon: ClipboardCheck, permission: 'contacts.validate' },
  { to: '/contacts/blacklist', labelKey: 'contacts.nav.blacklist', icon: Ban, permission: 'contacts.read' },
];
const SECTIONS = new Set(['import', 'validation', 'blacklist']);

/** Contacts with its section tabs. A contact's page counts as "All contacts". */
export function ContactsLayout() {
  const { t } = useTranslation();
  const can = useCan();
  const { pathname } = useLocation();
  const section = pathname.split('/')[2] ?? '';
  const current = SECTIONS.has(section) ? `/contacts/${section}` : '/contacts';
  return (
    <div className="flex flex-1 flex-col">
      <SectionTabs label={t('contacts.nav.label')} current={current} tabs={TABS.filter((tab) => can(tab.permission)).map((tab) => ({ to: tab.to, label: t(tab.labelKey), icon: tab.icon }))} />
      <Outlet />
    </div>
  );
}
