import { useQueryClient } from '@tanstack/react-query';
import { Trash2 } from 'lucide-react';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { useNavigate, useParams } from 'react-router';
import { toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardFooter, CardHeader } from '../../ui/Card';
import { ConfirmDialog } from '../../ui/Dialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Field } from '../../ui/Field';
import { Input, Textarea } from '../../ui/Input';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { LoadingBlock } from '../../ui/Spinner';
import { useToast } from '../../ui/Toast';
import { campaignsApi, graphemeLength, messageTemplateKey, MESSAGE_TEMPLATES_KEY, useMessageTemplate, type Template } from './campaigns.api';
import { TemplatePreviewCard } from './TemplatePreviewCard';
import { EmojiPicker, TemplateFitWarning, TemplateMediaField, useMappingFit, VariablePicker, WhatsAppMapping, type Mapping, type MediaDraft } from './TemplateParts';

/** The server's limit, in UTF-16 code units (what zod's max counts). */
const MAX_BODY = 4096;

export function TemplateEditorPage() {
  const { id } = useParams();
  const template = useMessageTemplate(id ?? null);
  const { t } = useTranslation();
  if (!id) return <TemplateForm template={null} />;
  if (template.isPending) return <LoadingBlock label={t('common.loading')} />;
  if (template.isError)
    return (
      <Page>
        <ErrorAlert error={template.error} title={t('campaignsUi.templates.notFound')} onRetry={() => void template.refetch()} />
      </Page>
    );
  return <TemplateForm key={template.data.id} template={template.data} />;
}

type Draft = { name: string; body: string; mapping: Mapping | null; media: MediaDraft | null };
const draftOf = (tpl: Template | null): Draft => ({
  name: tpl?.name ?? '',
  body: tpl?.body ?? '',
  mapping: tpl?.whatsappTemplate ? { channelId: '', ...tpl.whatsappTemplate, headerParameters: tpl.whatsappTemplate.headerParameters ?? [] } : null,
  media: tpl?.media[0] ? { blobId: tpl.media[0].blobId, name: tpl.media[0].fileName, contentType: tpl.media[0].mimeType, size: null } : null,
});
const sameDraft = (a: Draft, b: Draft) =>
  a.name === b.name &&
  a.body === b.body &&
  a.media?.blobId === b.media?.blobId &&
  JSON.stringify(a.mapping && { ...a.mapping, channelId: '' }) === JSON.stringify(b.mapping && { ...b.mapping, channelId: '' });

function TemplateForm({ template }: { template: Template | null }) {
  const { t } = useTranslation();
  const toast = useToast();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const form = useFormErrors();
  const [draft, setDraft] = useState<Draft>(() => draftOf(template));
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const [mappingOpen, setMappingOpen] = useState(Boolean(template?.whatsappTemplate));
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  const caret = useRef<number | null>(null);
  const dirty = !sameDraft(draft, draftOf(template));
  const graphemes = graphemeLength(draft.body);
  // Saved even when it does not fit the WhatsApp template (drafted before its file is ready); a launch is refused (decision 0050).
  const fit = useMappingFit(draft.mapping, draft.media?.contentType ?? null);

  // After an insertion, put the caret right after what was inserted.
  useEffect(() => {
    if (caret.current === null || !bodyRef.current) return;
    bodyRef.current.focus();
    bodyRef.current.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  }, [draft.body]);

  const insert = (text: string) => {
    const el = bodyRef.current;
    const start = el?.selectionStart ?? draft.body.length;
    const end = el?.selectionEnd ?? draft.body.length;
    caret.current = start + text.length;
    setDraft((d) => ({ ...d, body: d.body.slice(0, start) + text + d.body.slice(end) }));
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const fields: Record<string, string> = {};
    if (!draft.name.trim()) fields.name = t('campaignsUi.templates.errors.name');
    if (draft.body.length > MAX_BODY) fields.body = t('campaignsUi.templates.tooLong', { max: MAX_BODY });
    else if (!draft.body.trim() && !draft.mapping?.name && !draft.media) fields.body = t('campaignsUi.templates.errors.body');
    draft.mapping?.parameters.forEach((p, i) => {
      if (!p.trim()) fields[`whatsappTemplate.parameters.${i}`] = t('campaignsUi.templates.errors.parameter');
    });
    draft.mapping?.headerParameters.forEach((p, i) => {
      if (!p.trim()) fields[`whatsappTemplate.headerParameters.${i}`] = t('campaignsUi.templates.errors.parameter');
    });
    if (Object.keys(fields).length) return form.setFields(fields);
    form.clear();
    setSaving(true);
    const body = {
      name: draft.name.trim(),
      body: draft.body,
      media: draft.media ? [{ blobId: draft.media.blobId }] : [],
      whatsappTemplate: draft.mapping?.name ? { name: draft.mapping.name, language: draft.mapping.language, parameters: draft.mapping.parameters, headerParameters: draft.mapping.headerParameters } : null,
    };
    try {
      const saved = template ? await campaignsApi.updateTemplate(template.id, body) : await campaignsApi.createTemplate(body);
      queryClient.setQueryData(messageTemplateKey(saved.id), saved);
      void queryClient.invalidateQueries({ queryKey: MESSAGE_TEMPLATES_KEY, exact: true });
      const saidSaved = template ? t('campaignsUi.templates.saved') : t('campaignsUi.templates.created');
      if (fit.problems.length > 0) toast.info(saidSaved, t('campaignsUi.templates.fit.savedNotFit'));
      else toast.success(saidSaved);
      if (!template) void navigate(`/campaigns/templates/${saved.id}`, { replace: true });
      else setDraft(draftOf(saved));
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setSaving(false);
    }
  };

  const parameterErrors = Object.fromEntries(
    Object.entries(form.errors.fields)
      .filter(([k]) => k.startsWith('whatsappTemplate.parameters.'))
      .map(([k, v]) => [Number(k.split('.')[2]), v]),
  );

  return (
    <Page wide>
      <PageHeader
        title={template ? t('campaignsUi.templates.editTitle') : t('campaignsUi.templates.newTitle')}
        description={t('campaignsUi.templates.subtitle')}
        actions={
          template ? (
            <Button variant="secondary" icon={<Trash2 className="size-4" aria-hidden />} onClick={() => setDeleting(true)}>
              {t('campaignsUi.templates.delete')}
            </Button>
          ) : null
        }
      />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,3fr)_minmax(0,2fr)]">
        <form noValidate onSubmit={(e) => void submit(e)} className="min-w-0">
          <Card>
            <CardBody className="space-y-5">
              {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
              <Field label={t('campaignsUi.templates.name')} error={form.field('name')}>
                {(control) => <Input {...control} value={draft.name} maxLength={120} placeholder={t('campaignsUi.templates.namePlaceholder')} onChange={(e) => setDraft((d) => ({ ...d, name: e.target.value }))} />}
              </Field>
              <Field label={t('campaignsUi.templates.body')} error={form.field('body')}>
                {(control) => (
                  <div className="space-y-1.5">
                    <div className="flex flex-wrap items-center gap-1">
                      <VariablePicker onPick={insert} />
                      <EmojiPicker onPick={insert} />
                    </div>
                    <Textarea
                      {...control}
                      ref={bodyRef}
                      rows={8}
                      value={draft.body}
                      data-testid="template-body"
                      placeholder={t('campaignsUi.templates.bodyPlaceholder', { example: '{{firstName|amigo}}' })}
                      onChange={(e) => setDraft((d) => ({ ...d, body: e.target.value }))}
                    />
                    <p className="flex flex-wrap justify-between gap-x-4 text-xs text-muted" aria-live="polite">
                      <span data-testid="template-length" className={draft.body.length > MAX_BODY ? 'text-danger' : undefined}>
                        {t('campaignsUi.templates.length', { count: graphemes })}
                      </span>
                      <span>{t('campaignsUi.templates.lengthUnits', { units: draft.body.length })}</span>
                    </p>
                  </div>
                )}
              </Field>
              <TemplateMediaField value={draft.media} onChange={(media) => setDraft((d) => ({ ...d, media }))} error={form.field('media.0.blobId')} />
            </CardBody>
            <div className="border-t border-border">
              <CardHeader title={t('campaignsUi.templates.whatsapp')} description={t('campaignsUi.templates.whatsappHint')} />
              <CardBody>
                {mappingOpen || draft.mapping ? (
                  <WhatsAppMapping
                    value={draft.mapping}
                    onChange={(mapping) => (setDraft((d) => ({ ...d, mapping })), mapping === null && setMappingOpen(false))}
                    errors={parameterErrors}
                    headerError={form.field('whatsappTemplate.headerParameters.0')}
                  />
                ) : (
                  <Button type="button" variant="secondary" size="sm" onClick={() => setMappingOpen(true)}>
                    {t('campaignsUi.templates.whatsappMap')}
                  </Button>
                )}
              </CardBody>
            </div>
            {draft.mapping?.name ? (
              <div className="px-5 pb-4">
                <TemplateFitWarning value={draft.mapping} mimeType={draft.media?.contentType ?? null} />
              </div>
            ) : null}
            <CardFooter>
              <Button type="submit" loading={saving} loadingText={t('common.saving')} disabled={!dirty && Boolean(template)}>
                {t('common.save')}
              </Button>
            </CardFooter>
          </Card>
        </form>
        <div className="min-w-0">
          <TemplatePreviewCard template={template} dirty={dirty} />
        </div>
      </div>
      {template ? (
        <ConfirmDialog
          open={deleting}
          onOpenChange={setDeleting}
          title={t('campaignsUi.templates.deleteTitle')}
          description={t('campaignsUi.templates.deleteBody', { name: template.name })}
          confirmLabel={t('campaignsUi.templates.delete')}
          onConfirm={async () => {
            try {
              await campaignsApi.removeTemplate(template.id);
              await queryClient.invalidateQueries({ queryKey: MESSAGE_TEMPLATES_KEY });
              toast.success(t('campaignsUi.templates.deleted'));
              void navigate('/campaigns/templates');
            } catch (error) {
              toast.error(toFormErrors(error, t).message ?? t('errors.generic'));
              throw error;
            }
          }}
        />
      ) : null}
    </Page>
  );
}
