import { clsx } from 'clsx';
import { useTranslation } from 'react-i18next';
import { NavLink } from 'react-router';
import { useRealtimeStatus, type RealtimeStatus } from '../lib/realtime';
import { LogoMark } from '../ui/Logo';
import { useCan, useSession } from '../features/auth/session';
import { MAIN_NAV } from './navigation';
import { InboxUnreadBadge } from '../features/inbox/InboxUnreadBadge';
import { UserMenu } from './UserMenu';

const DOT: Record<RealtimeStatus, string> = {
  open: 'bg-success',
  connecting: 'bg-warning animate-pulse',
  reconnecting: 'bg-warning animate-pulse',
  idle: 'bg-subtle',
};

export function RealtimeIndicator() {
  const { t } = useTranslation();
  const status = useRealtimeStatus();
  const label = t(`shell.realtime.${status}`);
  return (
    <span className="inline-flex items-center gap-2 text-xs text-muted" title={label} data-testid="realtime-status" data-status={status}>
      <span aria-hidden className={clsx('size-2 rounded-full', DOT[status])} />
      <span className="sr-only" role="status">
        {label}
      </span>
    </span>
  );
}

/** The app's main navigation; rendered fixed on wide screens and inside the drawer on narrow ones. */
export function Sidebar({ onNavigate }: { onNavigate?: () => void }) {
  const { t } = useTranslation();
  const me = useSession();
  const can = useCan();
  const items = MAIN_NAV.filter((item) => item.permission === null || can(item.permission));
  return (
    <div className="flex h-full flex-col">
      <div className="flex h-14 items-center gap-2.5 border-b border-border px-4">
        <LogoMark />
        <div className="min-w-0 flex-1">
          <p className="truncate text-sm font-semibold" data-testid="workspace-name">
            {me.tenant.name}
          </p>
          <p className="truncate text-xs text-subtle">{t('common.appName')}</p>
        </div>
        {/* In the drawer the close button sits here instead. */}
        {onNavigate ? <span className="w-8" aria-hidden /> : <RealtimeIndicator />}
      </div>
      <nav aria-label={t('nav.main')} className="flex-1 overflow-y-auto px-2 py-3">
        <ul className="space-y-0.5">
          {items.map(({ to, labelKey, icon: Icon }) => (
            <li key={to}>
              <NavLink
                to={to}
                {...(onNavigate ? { onClick: onNavigate } : {})}
                className={({ isActive }) =>
                  clsx(
                    'focus-ring flex items-center gap-3 rounded-md px-3 py-2 text-sm font-medium transition-colors',
                    isActive ? 'bg-hover text-fg' : 'text-muted hover:bg-hover hover:text-fg',
                  )
                }
              >
                {({ isActive }) => (
                  <>
                    <Icon className={clsx('size-4 shrink-0', isActive ? 'text-link' : '')} aria-hidden />
                    {t(labelKey)}
                    {to === '/inbox' ? <InboxUnreadBadge /> : null}
                  </>
                )}
              </NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <div className="border-t border-border p-2">
        <UserMenu />
      </div>
    </div>
  );
}
