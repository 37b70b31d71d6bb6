import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../lib/api';
import { errorText } from '../lib/errors';
import { Alert } from './Alert';
import { Button } from './Button';

/** Says what went wrong (the server's words when it has them) and offers a retry when one may help. */
export function ErrorAlert({ error, title, onRetry, className }: { error: unknown; title?: ReactNode; onRetry?: () => void; className?: string }) {
  const { t } = useTranslation();
  const requestId = error instanceof ApiError ? error.requestId : undefined;
  return (
    <Alert tone="danger" {...(title ? { title } : {})} {...(className ? { className } : {})}>
      <p>{errorText(error, t)}</p>
      {requestId ? <p className="mt-1 font-mono text-xs opacity-80">{t('common.requestId', { id: requestId })}</p> : null}
      {onRetry ? (
        <Button variant="secondary" size="sm" className="mt-2" onClick={onRetry}>
          {t('common.retry')}
        </Button>
      ) : null}
    </Alert>
  );
}
