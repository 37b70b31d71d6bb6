import type { LucideIcon } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { EmptyState } from '../../ui/EmptyState';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { useCan } from '../auth/session';

type Area = 'inbox' | 'contacts' | 'campaigns' | 'calendar' | 'channels';
const TITLES = { inbox: 'nav.inbox', contacts: 'nav.contacts', campaigns: 'nav.campaigns', calendar: 'nav.calendar', channels: 'nav.channels' } as const;

/** A screen whose feature is not built yet: says what it will do and what to do meanwhile. */
export function ComingSoon({ area, icon }: { area: Area; icon: LucideIcon }) {
  const { t } = useTranslation();
  const can = useCan();
  return (
    <Page>
      <PageHeader title={t(TITLES[area])} />
      <Card>
        <EmptyState
          icon={icon}
          badge={<Badge tone="primary">{t('comingSoon.badge')}</Badge>}
          title={t(`comingSoon.${area}.title`)}
          body={t(`comingSoon.${area}.body`)}
          action={
            can('users.manage') ? (
              <Button asChild variant="secondary">
                <Link to="/settings/users">{t('comingSoon.goToUsers')}</Link>
              </Button>
            ) : null
          }
        />
      </Card>
    </Page>
  );
}
