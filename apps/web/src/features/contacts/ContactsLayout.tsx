import type { Permission } from '@leadmaster/contracts';
import { clsx } from 'clsx';
import { Ban, BookUser, ClipboardCheck, FileUp, type LucideIcon } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router';
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

/** Contacts with its section tabs (a sideways-scrolling row on phones). A contact's page counts as "All contacts". */
export function ContactsLayout() {
  const { t } = useTranslation();
  const can = useCan();
  const { pathname } = useLocation();
  const navRef = useRef<HTMLElement>(null);
  const section = pathname.split('/')[2] ?? '';
  const current = SECTIONS.has(section) ? `/contacts/${section}` : '/contacts';
  useEffect(() => {
    navRef.current?.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [current]);
  return (
    <div className="flex flex-1 flex-col">
      <nav ref={navRef} aria-label={t('contacts.nav.label')} className="border-b border-border bg-surface">
        <ul className="mx-auto flex max-w-[96rem] gap-1 overflow-x-auto px-3 sm:px-5 lg:px-7">
          {TABS.filter((tab) => can(tab.permission)).map(({ to, labelKey, icon: Icon }) => {
            const active = to === current;
            return (
              <li key={to} className="shrink-0">
                <Link
                  to={to}
                  aria-current={active ? 'page' : undefined}
                  className={clsx(
                    'focus-ring -mb-px flex items-center gap-2 border-b-2 px-3 py-3 text-sm whitespace-nowrap transition-colors',
                    active ? 'border-primary font-medium text-fg' : 'border-transparent text-muted hover:text-fg',
                  )}
                >
                  <Icon className={clsx('size-4', active && 'text-link')} aria-hidden />
                  {t(labelKey)}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
      <Outlet />
    </div>
  );
}
