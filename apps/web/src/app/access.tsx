import type { Permission } from '@leadmaster/contracts';
import { Compass, Lock } from 'lucide-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, Navigate } from 'react-router';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';
import { Page } from '../ui/Page';
import { useCan } from '../features/auth/session';
import { MAIN_NAV } from './navigation';

/** Shows the screen only to those holding `permission`; others get a clear no-access state. */
export function RequirePermission({ permission, children }: { permission: Permission; children: ReactNode }) {
  const can = useCan();
  return can(permission) ? children : <NoAccess permission={permission} />;
}

export function NoAccess({ permission }: { permission: Permission }) {
  const { t } = useTranslation();
  return (
    <Page>
      <EmptyState
        icon={Lock}
        title={t('noAccess.title')}
        body={t('noAccess.body', { permission })}
        action={
          <Button asChild variant="secondary">
            <Link to="/">{t('noAccess.home')}</Link>
          </Button>
        }
      />
    </Page>
  );
}

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Page>
      <EmptyState
        icon={Compass}
        title={t('notFound.title')}
        body={t('notFound.body')}
        action={
          <Button asChild variant="secondary">
            <Link to="/">{t('notFound.home')}</Link>
          </Button>
        }
      />
    </Page>
  );
}

/** "/" opens the first screen this user may see. */
export function HomeRedirect() {
  const can = useCan();
  const first = MAIN_NAV.find((item) => item.permission === null || can(item.permission));
  return <Navigate to={first?.to === '/settings' || !first ? '/settings/security' : first.to} replace />;
}
