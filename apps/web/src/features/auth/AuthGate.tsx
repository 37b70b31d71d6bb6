import { useEffect, type ReactNode } from 'react';
import { Outlet } from 'react-router';
import { useTranslation } from 'react-i18next';
import { applyLanguage, browserLanguage, isLanguage } from '../../i18n';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { LoadingBlock } from '../../ui/Spinner';
import { SetupPage } from '../setup/SetupPage';
import { useSetupStatus } from '../setup/setup.api';
import { useMeQuery } from './auth.api';
import { EnrolTwoFactorPage } from './EnrolTwoFactorPage';
import { LoginPage } from './LoginPage';

/**
 * Decides what the visitor sees without changing the address: the setup wizard on an empty
 * installation, the sign-in screen when signed out, forced 2FA enrolment, or the app. Deep links
 * therefore survive signing in.
 */
export function AuthGate() {
  const { t } = useTranslation();
  const me = useMeQuery();
  const signedOut = me.data === null;
  const setup = useSetupStatus(signedOut);

  const userLocale = me.data?.user.locale;
  const tenantLocale = me.data?.tenant.locale;
  useEffect(() => {
    if (!me.data) return;
    // The account's language, else the workspace's, else the browser's.
    const language = isLanguage(userLocale) ? userLocale : isLanguage(tenantLocale) ? tenantLocale : browserLanguage();
    void applyLanguage(language);
  }, [me.data, userLocale, tenantLocale]);

  const session = me.data;
  if (me.isPending) return <FullScreen><LoadingBlock label={t('common.loading')} /></FullScreen>;
  if (session === undefined) {
    return (
      <FullScreen>
        <ErrorAlert error={me.error} title={t('common.loadFailed')} onRetry={() => void me.refetch()} />
      </FullScreen>
    );
  }
  if (session === null) {
    if (setup.isPending) return <FullScreen><LoadingBlock label={t('common.loading')} /></FullScreen>;
    if (setup.data?.setupRequired) return <SetupPage />;
    return <LoginPage />;
  }
  if (session.mustEnrolTwoFactor) return <EnrolTwoFactorPage me={session} />;
  return <Outlet />;
}

function FullScreen({ children }: { children: ReactNode }) {
  return <div className="flex min-h-full items-center justify-center p-6"><div className="w-full max-w-sm">{children}</div></div>;
}
