import { TriangleAlert } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { useRouteError } from 'react-router';
import { Button } from '../ui/Button';
import { EmptyState } from '../ui/EmptyState';

/** A screen crashed: say so, keep the details in the console, offer a reload. */
export function RouteError() {
  const { t } = useTranslation();
  const error = useRouteError();
  console.error(error);
  return (
    <EmptyState
      icon={TriangleAlert}
      title={t('common.loadFailed')}
      body={t('errors.generic')}
      action={<Button onClick={() => window.location.reload()}>{t('common.retry')}</Button>}
    />
  );
}
