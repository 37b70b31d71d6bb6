import { FileText, Megaphone } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { Outlet, useLocation } from 'react-router';
import { SectionTabs } from '../../ui/SectionTabs';

/** Campaigns with its two sections: the campaigns themselves and the message templates they send. */
export function CampaignsLayout() {
  const { t } = useTranslation();
  const { pathname } = useLocation();
  const current = pathname.startsWith('/campaigns/templates') ? '/campaigns/templates' : '/campaigns';
  return (
    <div className="flex flex-1 flex-col">
      <SectionTabs
        label={t('campaignsUi.nav.label')}
        current={current}
        tabs={[
          { to: '/campaigns', label: t('campaignsUi.nav.campaigns'), icon: Megaphone },
          { to: '/campaigns/templates', label: t('campaignsUi.nav.templates'), icon: FileText },
        ]}
      />
      <Outlet />
    </div>
  );
}
