import { useTranslation } from 'react-i18next';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { PasswordCard } from './PasswordCard';
import { ProfileCard } from './ProfileCard';
import { TwoFactorCard } from './TwoFactorCard';

/** My account: profile, password, two-factor. Open to every signed-in user. */
export function SecurityPage() {
  const { t } = useTranslation();
  return (
    <Page>
      <PageHeader title={t('security.title')} description={t('security.subtitle')} />
      <div className="space-y-6">
        <ProfileCard />
        <PasswordCard />
        <TwoFactorCard />
      </div>
    </Page>
  );
}
