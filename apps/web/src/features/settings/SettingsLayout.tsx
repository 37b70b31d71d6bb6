import { clsx } from 'clsx';
import { useTranslation } from 'react-i18next';
import { useEffect, useRef } from 'react';
import { NavLink, Outlet, useLocation } from 'react-router';
import type { Permission } from '@leadmaster/contracts';
import { useCan } from '../auth/session';

type SettingsNavItem = {
  to: string;
  labelKey:
    | 'settings.nav.workspace'
    | 'settings.nav.users'
    | 'settings.nav.roles'
    | 'settings.nav.apiKeys'
    | 'settings.nav.scoring'
    | 'settings.nav.contactFields'
    | 'settings.nav.inbox'
    | 'settings.nav.audit'
    | 'settings.nav.security';
  permission: Permission | null;
};

/** Settings sections and what each needs; the routes enforce the same permissions. */
const SETTINGS_NAV: SettingsNavItem[] = [
  { to: '/settings/workspace', labelKey: 'settings.nav.workspace', permission: null },
  { to: '/settings/users', labelKey: 'settings.nav.users', permission: 'users.read' },
  { to: '/settings/roles', labelKey: 'settings.nav.roles', permission: 'users.read' },
  { to: '/settings/api-keys', labelKey: 'settings.nav.apiKeys', permission: 'api_keys.manage' },
  { to: '/settings/scoring', labelKey: 'settings.nav.scoring', permission: 'scoring.manage' },
  { to: '/settings/contact-fields', labelKey: 'settings.nav.contactFields', permission: 'settings.manage' },
  { to: '/settings/inbox', labelKey: 'settings.nav.inbox', permission: 'inbox.read' },
  { to: '/settings/audit', labelKey: 'settings.nav.audit', permission: 'audit.read' },
  { to: '/settings/security', labelKey: 'settings.nav.security', permission: null },
];

/** Settings with its section list: a side column on wide screens, a scrolling tab row on phones. */
export function SettingsLayout() {
  const { t } = useTranslation();
  const can = useCan();
  const items = SETTINGS_NAV.filter((item) => item.permission === null || can(item.permission));
  const navRef = useRef<HTMLElement>(null);
  const { pathname } = useLocation();
  // On phones the sections are a sideways-scrolling row: keep the current one in view.
  useEffect(() => {
    navRef.current?.querySelector('[aria-current="page"]')?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [pathname]);
  return (
    <div className="flex flex-1 flex-col md:flex-row">
      <nav ref={navRef} aria-label={t('settings.sections')} className="shrink-0 border-b border-border bg-surface md:w-56 md:border-r md:border-b-0 md:bg-transparent">
        <div className="md:sticky md:top-0">
          <h2 className="hidden px-5 pt-7 pb-3 text-xs font-semibold tracking-wide text-subtle uppercase md:block">{t('settings.title')}</h2>
          <ul className="flex gap-1 overflow-x-auto px-3 py-2 md:flex-col md:gap-0.5 md:overflow-visible md:py-0">
            {items.map((item) => (
              <li key={item.to} className="shrink-0">
                <NavLink
                  to={item.to}
                  className={({ isActive }) =>
                    clsx(
                      'focus-ring block rounded-md px-3 py-1.5 text-sm whitespace-nowrap transition-colors',
                      isActive ? 'bg-hover font-medium text-fg' : 'text-muted hover:bg-hover hover:text-fg',
                    )
                  }
                >
                  {t(item.labelKey)}
                </NavLink>
              </li>
            ))}
          </ul>
        </div>
      </nav>
      <div className="min-w-0 flex-1">
        <Outlet />
      </div>
    </div>
  );
}
