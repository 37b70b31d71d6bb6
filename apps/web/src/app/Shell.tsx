import { Menu as MenuIcon, X } from 'lucide-react';
import { Dialog as D } from 'radix-ui';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Outlet, ScrollRestoration } from 'react-router';
import { Button } from '../ui/Button';
import { LogoMark } from '../ui/Logo';
import { useSession } from '../features/auth/session';
import { RealtimeBridge } from './RealtimeBridge';
import { RealtimeIndicator, Sidebar } from './Sidebar';
import { UserMenu } from './UserMenu';

/**
 * The signed-in frame: sidebar on wide screens; a top bar with a drawer below the `lg` breakpoint.
 * The document itself scrolls (sidebar and top bar are sticky), so phones can hide their address bar.
 */
export function Shell() {
  const { t } = useTranslation();
  const me = useSession();
  const [drawerOpen, setDrawerOpen] = useState(false);
  return (
    <div className="flex min-h-full">
      <a href="#main" className="focus-ring sr-only z-50 rounded-md bg-surface px-3 py-2 focus:not-sr-only focus:fixed focus:top-2 focus:left-2">
        {t('nav.skipToContent')}
      </a>
      <RealtimeBridge />
      <ScrollRestoration />
      <aside className="hidden w-60 shrink-0 border-r border-border bg-surface lg:block">
        <div className="sticky top-0 h-dvh">
          <Sidebar />
        </div>
      </aside>

      <D.Root open={drawerOpen} onOpenChange={setDrawerOpen}>
        <D.Portal>
          <D.Overlay className="fixed inset-0 z-40 bg-overlay animate-fade-in lg:hidden" />
          <D.Content aria-describedby={undefined} className="fixed inset-y-0 left-0 z-50 w-72 max-w-[85vw] border-r border-border bg-surface shadow-2xl animate-slide-in focus:outline-none lg:hidden">
            <D.Title className="sr-only">{t('nav.main')}</D.Title>
            <D.Close asChild>
              <Button variant="ghost" size="icon" className="absolute top-3 right-2 z-10 size-8 bg-surface" aria-label={t('nav.closeMenu')}>
                <X className="size-4" aria-hidden />
              </Button>
            </D.Close>
            <Sidebar onNavigate={() => setDrawerOpen(false)} />
          </D.Content>
        </D.Portal>
      </D.Root>

      <div className="flex min-w-0 flex-1 flex-col">
        <header className="sticky top-0 z-30 flex h-14 shrink-0 items-center gap-2 border-b border-border bg-surface px-3 lg:hidden">
          <Button variant="ghost" size="icon" aria-label={t('nav.openMenu')} aria-expanded={drawerOpen} onClick={() => setDrawerOpen(true)}>
            <MenuIcon className="size-5" aria-hidden />
          </Button>
          <LogoMark className="size-6" />
          <span className="min-w-0 flex-1 truncate text-sm font-semibold" data-testid="workspace-name">
            {me.tenant.name}
          </span>
          <RealtimeIndicator />
          <UserMenu compact />
        </header>
        <main id="main" tabIndex={-1} className="flex flex-1 flex-col focus:outline-none">
          <Outlet />
        </main>
      </div>
    </div>
  );
}
