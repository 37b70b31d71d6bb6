import { FileSpreadsheet, FileUp, History } from 'lucide-react';
import { useRef, useState, type DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useFormat } from '../../../lib/format';
import { Badge } from '../../../ui/Badge';
import { Button } from '../../../ui/Button';
import { Card, CardBody, CardHeader } from '../../../ui/Card';
import { ErrorAlert } from '../../../ui/ErrorAlert';
import { Page } from '../../../ui/Page';
import { PageHeader } from '../../../ui/PageHeader';
import { Progress } from '../../../ui/Progress';
import { Spinner } from '../../../ui/Spinner';
import { IMPORTS_KEY, importKey, importsApi, isImportActive, rememberPreview, useImports, type ContactImport } from './imports.api';

const STATUS_TONE = { draft: 'neutral', queued: 'primary', running: 'primary', completed: 'success', failed: 'danger' } as const;

/** Step 1: choose a CSV. The server reads its header and first rows and guesses the mapping. */
export function ImportPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [dragging, setDragging] = useState(false);

  const upload = async (file: File | undefined) => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      const preview = await importsApi.upload(file);
      rememberPreview(preview);
      queryClient.setQueryData(importKey(preview.import.id), preview.import);
      void queryClient.invalidateQueries({ queryKey: IMPORTS_KEY, exact: true });
      void navigate(`/contacts/import/${preview.import.id}`);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };
  const onDrop = (event: DragEvent) => {
    event.preventDefault();
    setDragging(false);
    void upload(event.dataTransfer.files[0]);
  };

  return (
    <Page wide>
      <PageHeader title={t('imports.title')} description={t('imports.subtitle')} />
      <div className="space-y-6">
        <Card>
          <CardBody>
            <div
              onDragOver={(e) => {
                e.preventDefault();
                setDragging(true);
              }}
              onDragLeave={() => setDragging(false)}
              onDrop={onDrop}
              className={`flex flex-col items-center justify-center rounded-lg border-2 border-dashed px-6 py-10 text-center transition-colors ${dragging ? 'border-primary bg-primary-soft' : 'border-border-strong'}`}
            >
              <div className="mb-3 flex size-12 items-center justify-center rounded-xl border border-border bg-surface-2 text-muted">
                <FileSpreadsheet className="size-6" aria-hidden />
              </div>
              <h2 className="text-base font-semibold">{t('imports.dropTitle')}</h2>
              <p className="mt-1 max-w-md text-sm text-muted">{t('imports.dropBody')}</p>
              <input ref={input} id="import-file" type="file" accept=".csv,text/csv,text/plain" className="sr-only" onChange={(e) => void upload(e.target.files?.[0])} />
              <Button className="mt-5" icon={<FileUp className="size-4" aria-hidden />} loading={busy} loadingText={t('imports.uploading')} onClick={() => input.current?.click()}>
                {t('imports.choose')}
              </Button>
              <p className="mt-3 text-xs text-subtle">{t('imports.formats')}</p>
            </div>
            {error ? <ErrorAlert className="mt-4" title={t('imports.uploadFailed')} error={error} /> : null}
          </CardBody>
        </Card>
        <RecentImports />
      </div>
    </Page>
  );
}

function RecentImports() {
  const { t } = useTranslation();
  const imports = useImports();
  return (
    <Card>
      <CardHeader title={t('imports.recent')} />
      <div>
        {imports.isPending ? (
          <div className="p-5">
            <Spinner label={t('common.loading')} />
          </div>
        ) : null}
        {imports.isError ? (
          <div className="p-5">
            <ErrorAlert error={imports.error} onRetry={() => void imports.refetch()} />
          </div>
        ) : null}
        {imports.data?.length === 0 ? (
          <p className="flex items-center gap-2 px-5 py-4 text-[13px] text-muted">
            <History className="size-4" aria-hidden />
            {t('imports.noneYet')}
          </p>
        ) : null}
        {imports.data?.length ? (
          <ul className="divide-y divide-border">
            {imports.data.map((imp) => (
              <ImportRow key={imp.id} imp={imp} />
            ))}
          </ul>
        ) : null}
      </div>
    </Card>
  );
}

function ImportRow({ imp }: { imp: ContactImport }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  return (
    <li>
      <Link to={`/contacts/import/${imp.id}`} className="focus-ring flex flex-wrap items-center gap-x-4 gap-y-1 px-5 py-3 hover:bg-hover/50">
        <div className="min-w-0 flex-1">
          <p className="truncate text-sm font-medium">{imp.fileName}</p>
          <p className="text-xs text-muted">
            <time dateTime={imp.createdAt} title={fmt.dateTime(imp.createdAt)}>
              {fmt.relative(imp.createdAt)}
            </time>
            {imp.status === 'completed' ? ` · ${t('imports.summary', { inserted: fmt.number(imp.counts.inserted), updated: fmt.number(imp.counts.updated), skipped: fmt.number(imp.counts.skipped), rejected: fmt.number(imp.counts.rejected) })}` : null}
          </p>
        </div>
        {isImportActive(imp) ? <Progress value={imp.progress} label={imp.fileName} className="w-32" /> : null}
        <Badge tone={STATUS_TONE[imp.status]} dot>
          {t(`imports.status.${imp.status}`)}
        </Badge>
      </Link>
    </li>
  );
}
