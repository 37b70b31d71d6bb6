import type { Me } from '@leadmaster/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { LogOut, ShieldAlert } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { ME_KEY } from '../../lib/query-client';
import { Button } from '../../ui/Button';
import { TwoFactorEnrolment } from '../security/TwoFactorEnrolment';
import { useLogout } from './auth.api';
import { AuthLayout } from './AuthLayout';

/** The workspace requires two-factor and this user has none: nothing else opens until it is set up. */
export function EnrolTwoFactorPage({ me }: { me: Me }) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const logout = useLogout();
  return (
    <AuthLayout wide>
      <div className="rounded-xl border border-border bg-surface p-6 shadow-sm sm:p-7">
        <div className="mb-4 flex size-10 items-center justify-center rounded-lg bg-warning-soft text-warning">
          <ShieldAlert className="size-5" aria-hidden />
        </div>
        <h1 className="text-lg font-semibold">{t('twoFactor.requiredTitle')}</h1>
        <p className="mt-1 mb-6 text-sm text-muted">{t('twoFactor.requiredBody', { workspace: me.tenant.name })}</p>
        <TwoFactorEnrolment account={me.user.email} onDone={() => void queryClient.invalidateQueries({ queryKey: ME_KEY })} />
      </div>
      <div className="mt-4 flex justify-center">
        <Button variant="ghost" size="sm" icon={<LogOut className="size-4" aria-hidden />} loading={logout.isPending} onClick={() => logout.mutate()}>
          {t('shell.signOut')}
        </Button>
      </div>
    </AuthLayout>
  );
}
