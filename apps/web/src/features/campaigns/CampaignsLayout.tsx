import { clsx } from 'clsx';
import { FileText, Megaphone, type LucideIcon } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { Link, Outlet, useLocation } from 'react-router';

type Tab = { to: string; labelKey: 'campaignsUi.nav.campaigns' | 'campaignsUi.nav.templates'; icon: LucideIcon };

const TABS: Tab[] = [
  { to: '/campaigns', labelKey: 'campaignsUi.nav.campaigns', icon: Megaphone },
  { to: '/campaigns/templates', labelKey: 'campaignsUi.nav.templates', icon: FileText },
];

/** Campaigns with its two sections: the campaigns themselves and the message templates they send. */
export function CampaignsLayout() {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  const current = pathname.startsWith('/campaigns/templates') ? '/campaigns/templates' : '/campaigns';
  return (
    <div className="flex flex-1 flex-col">
      <nav aria-label={t('campaignsUi.nav.label')} className="border-b border-border bg-surface">
        <ul className="mx-auto flex max-w-[96rem] gap-1 overflow-x-auto px-3 sm:px-5 lg:px-7">
          {TABS.map(({ to, labelKey, icon: Icon }) => {
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
