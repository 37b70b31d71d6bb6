import { useQueryClient } from '@tanstack/react-query';
import { ArrowLeft, Download, FileUp, Users } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../../lib/api';
import { useFormat } from '../../../lib/format';
import { Alert } from '../../../ui/Alert';
import { Badge } from '../../../ui/Badge';
import { Button } from '../../../ui/Button';
import { Card, CardBody, CardHeader } from '../../../ui/Card';
import { EmptyState } from '../../../ui/EmptyState';
import { ErrorAlert } from '../../../ui/ErrorAlert';
import { Page } from '../../../ui/Page';
import { PageHeader } from '../../../ui/PageHeader';
import { Progress } from '../../../ui/Progress';
import { LoadingBlock } from '../../../ui/Spinner';
import { CONTACTS_KEY } from '../contacts.api';
import { IMPORTS_KEY, isImportActive, useImport, type ContactImport } from './imports.api';
import { MappingStep, useImportFieldLabel } from './MappingStep';

/** /contacts/import/:id — the mapping step, the live progress or the report, whichever the import is at. */
export function ImportDetailPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const imp = useImport(id);
  const missing = imp.error instanceof ApiError && (imp.error.status === 404 || imp.error.status === 400);
  return (
    <Page wide>
      <Link to="/contacts/import" className="focus-ring mb-4 inline-flex items-center gap-1.5 rounded text-[13px] text-muted hover:text-fg">
        <ArrowLeft className="size-4" aria-hidden />
        {t('imports.back')}
      </Link>
      {imp.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
      {missing ? (
        <EmptyState icon={FileUp} title={t('imports.notFound')} action={<Button asChild variant="secondary"><Link to="/contacts/import">{t('imports.another')}</Link></Button>} />
      ) : imp.isError ? (
        <ErrorAlert error={imp.error} onRetry={() => void imp.refetch()} />
      ) : null}
      {imp.data ? imp.data.status === 'draft' ? <MappingStep imp={imp.data} /> : <ProgressStep imp={imp.data} /> : null}
    </Page>
  );
}

function ProgressStep({ imp }: { imp: ContactImport }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const fieldLabel = useImportFieldLabel();
  const active = isImportActive(imp);
  const wasActive = useRef(active);
  useEffect(() => {
    // Finished while watched: the contacts list and the recent imports are stale now.
    if (wasActive.current && !active) {
      void queryClient.invalidateQueries({ queryKey: CONTACTS_KEY });
      void queryClient.invalidateQueries({ queryKey: IMPORTS_KEY, exact: true });
    }
    wasActive.current = active;
  }, [active, queryClient]);
  const issues = imp.counts.skipped + imp.counts.rejected;
  const COUNTS = [
    { key: 'inserted', tone: 'text-success' },
    { key: 'updated', tone: 'text-link' },
    { key: 'skipped', tone: 'text-warning' },
    { key: 'rejected', tone: 'text-danger' },
  ] as const;
  return (
    <>
      <PageHeader
        title={imp.status === 'completed' ? t('imports.reportTitle') : imp.status === 'failed' ? t('imports.failedTitle') : t('imports.progressTitle')}
        description={imp.fileName}
        actions={
          <Badge tone={imp.status === 'completed' ? 'success' : imp.status === 'failed' ? 'danger' : 'primary'} dot>
            {t(`imports.status.${imp.status}`)}
          </Badge>
        }
      />
      <Card>
        <CardBody className="space-y-5">
          <div data-testid="import-progress" data-status={imp.status}>
            <div className="mb-2 flex items-baseline justify-between gap-3 text-sm">
              <span className="font-medium">{active ? t('imports.working') : imp.status === 'completed' ? t('imports.finished') : t('imports.stopped')}</span>
              <span className="text-muted tabular-nums" aria-live="polite">
                {t('imports.rowsProcessed', { count: imp.processedRows, formatted: fmt.number(imp.processedRows) })} · {Math.round((imp.status === 'completed' ? 1 : imp.progress) * 100)}%
              </span>
            </div>
            <Progress
              value={imp.status === 'queued' && imp.progress === 0 ? null : imp.status === 'completed' ? 1 : imp.progress}
              label={t('imports.progressTitle')}
              tone={imp.status === 'failed' ? 'danger' : imp.status === 'completed' ? 'success' : 'primary'}
            />
            {active ? <p className="mt-2 text-xs text-subtle">{t('imports.leaveHint')}</p> : null}
          </div>
          {imp.error ? <Alert tone="danger" title={t('imports.failedTitle')}>{imp.error}</Alert> : null}
          <dl className="grid grid-cols-2 gap-3 sm:grid-cols-4" data-testid="import-counts">
            {COUNTS.map(({ key, tone }) => (
              <div key={key} className="rounded-lg border border-border bg-surface-2/50 px-4 py-3">
                <dt className="text-xs text-muted">{t(`imports.counts.${key}`)}</dt>
                <dd className={`mt-1 text-2xl font-semibold tabular-nums ${tone}`} data-testid={`count-${key}`}>
                  {fmt.number(imp.counts[key])}
                </dd>
              </div>
            ))}
          </dl>
          {!active ? (
            <div className="flex flex-wrap gap-2">
              <Button asChild>
                <Link to="/contacts">
                  <Users className="size-4" aria-hidden />
                  {t('imports.viewContacts')}
                </Link>
              </Button>
              {issues > 0 ? (
                <Button asChild variant="secondary">
                  <a href={`/api/v1/contacts/imports/${imp.id}/issues.csv`} download>
                    <Download className="size-4" aria-hidden />
                    {t('imports.downloadIssues', { count: issues })}
                  </a>
                </Button>
              ) : null}
              <Button asChild variant="ghost">
                <Link to="/contacts/import">{t('imports.another')}</Link>
              </Button>
            </div>
          ) : null}
        </CardBody>
      </Card>
      {imp.mapping ? (
        <Card className="mt-6">
          <CardHeader title={t('imports.mappingUsed')} />
          <CardBody>
            <dl className="grid gap-x-6 gap-y-1.5 text-[13px] sm:grid-cols-2">
              {Object.entries(imp.mapping).map(([column, field]) => (
                <div key={column} className="flex justify-between gap-3">
                  <dt className="truncate text-muted">{column}</dt>
                  <dd className="font-medium">{fieldLabel(field)}</dd>
                </div>
              ))}
            </dl>
            <p className="mt-3 text-xs text-subtle">{t('imports.modeUsed', { mode: t(`imports.modes.${imp.mode}.label`) })}</p>
          </CardBody>
        </Card>
      ) : null}
    </>
  );
}
