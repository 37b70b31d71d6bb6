import type { Contact } from '@leadmaster/contracts';
import { useQuery } from '@tanstack/react-query';
import { clsx } from 'clsx';
import { Search } from 'lucide-react';
import { useDeferredValue, useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query, type Page } from '../../lib/api';
import { Alert } from '../../ui/Alert';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Input } from '../../ui/Input';
import { Spinner } from '../../ui/Spinner';
import { displayName } from '../contacts/contacts.api';
import { FileText } from 'lucide-react';
import { fileUrl } from '../files/files.api';
import { campaignsApi, graphemeLength, type Template } from './campaigns.api';

/** The saved template rendered for a contact the user searches and picks (the server renders it, as a campaign would). */
export function TemplatePreviewCard({ template, dirty }: { template: Template | null; dirty: boolean }) {
  const { t } = useTranslation();
  const searchId = useId();
  const [search, setSearch] = useState('');
  const deferred = useDeferredValue(search.trim());
  const [contact, setContact] = useState<Contact | null>(null);
  const contacts = useQuery({
    queryKey: ['contacts', 'list', 'preview-search', deferred],
    queryFn: ({ signal }) => api.get<Page<Contact>>(`/api/v1/contacts${query({ search: deferred || undefined, limit: 6, sort: 'recent' })}`, signal).then((p) => p.items),
    enabled: Boolean(template),
  });
  const preview = useQuery({
    queryKey: ['message-templates', template?.id, 'preview', contact?.id, template?.updatedAt],
    queryFn: () => campaignsApi.preview(template!.id, contact!.id),
    enabled: Boolean(template && contact),
  });
  return (
    <Card>
      <CardHeader title={t('campaignsUi.templates.preview')} description={t('campaignsUi.templates.previewHint')} />
      <CardBody className="space-y-4">
        {!template ? (
          <p className="text-[13px] text-muted">{t('campaignsUi.templates.previewSaveFirst')}</p>
        ) : (
          <>
            <div className="space-y-2">
              <label htmlFor={searchId} className="text-[13px] font-medium">
                {t('campaignsUi.templates.previewContact')}
              </label>
              <div className="relative">
                <Search className="pointer-events-none absolute top-1/2 left-3 size-4 -translate-y-1/2 text-subtle" aria-hidden />
                <Input id={searchId} type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder={t('campaignsUi.templates.previewSearch')} className="pl-9" />
              </div>
              <ul className="flex flex-wrap gap-1.5" aria-label={t('campaignsUi.templates.previewPick')}>
                {contacts.data?.map((c) => (
                  <li key={c.id}>
                    <button
                      type="button"
                      aria-pressed={contact?.id === c.id}
                      onClick={() => setContact(c)}
                      className={clsx(
                        'focus-ring max-w-[14rem] truncate rounded-full border px-3 py-1 text-[13px]',
                        contact?.id === c.id ? 'border-primary bg-primary-soft text-link' : 'border-border text-muted hover:bg-hover hover:text-fg',
                      )}
                    >
                      {displayName(c)}
                    </button>
                  </li>
                ))}
              </ul>
              {contacts.data?.length === 0 ? <p className="text-[13px] text-muted">{t('campaignsUi.templates.previewNoContacts')}</p> : null}
            </div>
            {dirty ? <Alert tone="warning">{t('campaignsUi.templates.previewUnsaved')}</Alert> : null}
            {!contact ? <p className="text-[13px] text-muted">{t('campaignsUi.templates.previewPick')}</p> : null}
            {preview.isFetching && !preview.data ? <Spinner label={t('common.loading')} /> : null}
            {preview.isError ? <ErrorAlert error={preview.error} /> : null}
            {contact && preview.data ? (
              <div className="space-y-3">
                {preview.data.body || template.media[0] ? (
                  <div className="ml-auto w-fit max-w-full space-y-1.5 rounded-2xl rounded-br-sm bg-primary-soft px-3.5 py-2 text-sm" data-testid="template-preview">
                    {template.media[0] ? <PreviewMedia media={template.media[0]} /> : null}
                    {preview.data.body ? <p className="break-words whitespace-pre-wrap">{preview.data.body}</p> : null}
                  </div>
                ) : null}
                {preview.data.whatsappTemplate ? (
                  <div className="rounded-md border border-border p-3 text-[13px]">
                    <p className="font-medium">
                      {t('campaignsUi.templates.previewParameters')}: {preview.data.whatsappTemplate.name} ({preview.data.whatsappTemplate.language})
                    </p>
                    {preview.data.whatsappTemplate.headerParameters?.length ? (
                      <p className="mt-1 break-words text-muted">
                        {t('campaignsUi.templates.whatsappHeaderParameterLabel')}: {preview.data.whatsappTemplate.headerParameters.join(' ') || '—'}
                      </p>
                    ) : null}
                    <ol className="mt-1 list-decimal pl-5 text-muted">
                      {preview.data.whatsappTemplate.parameters.map((p, i) => (
                        <li key={i} className="break-words">
                          {p || '—'}
                        </li>
                      ))}
                    </ol>
                  </div>
                ) : null}
                <p className="text-xs text-muted">{t('campaignsUi.templates.length', { count: graphemeLength(preview.data.body) })}</p>
                {preview.data.missing.length ? <Alert tone="warning">{t('campaignsUi.templates.previewMissing', { names: preview.data.missing.join(', ') })}</Alert> : null}
              </div>
            ) : null}
          </>
        )}
      </CardBody>
    </Card>
  );
}

/** The template's file as the recipient sees it above the caption: the image itself, or the file's name. */
function PreviewMedia({ media }: { media: Template['media'][number] }) {
  const url = fileUrl(media.blobId);
  const name = media.fileName ?? media.blobId;
  const family = media.mimeType?.split('/')[0];
  if (family === 'image') return <img src={url} alt={name} className="max-h-56 max-w-full rounded-md object-cover" data-testid="template-preview-media" />;
  if (family === 'video') return <video controls preload="metadata" src={url} className="max-h-56 max-w-full rounded-md" data-testid="template-preview-media" />;
  if (family === 'audio') return <audio controls preload="none" src={url} className="h-9 max-w-full" data-testid="template-preview-media" />;
  return (
    <a href={url} download={name} className="focus-ring flex items-center gap-2 rounded-md bg-black/5 px-2 py-1.5 underline-offset-2 hover:underline dark:bg-white/10" data-testid="template-preview-media">
      <FileText className="size-4 shrink-0" aria-hidden />
      <span className="truncate">{name}</span>
    </a>
  );
}
