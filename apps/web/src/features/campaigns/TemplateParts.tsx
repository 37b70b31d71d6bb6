import { Braces, Plus, Smile, Trash2 } from 'lucide-react';
import { Popover } from 'radix-ui';
import { useId, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { EmojiPicker as SharedEmojiPicker } from '../../ui/EmojiPicker';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Select } from '../../ui/Select';
import { useChannels, useTemplates } from '../channels/channels.api';
import { useContactFields } from '../contacts/contacts.api';
import { AttachmentCard, FileDropZone } from '../files/Attachment';
import { fileUrl, useStoredFile, useUpload } from '../files/files.api';

const BUILT_IN = ['firstName', 'lastName', 'fullName', 'company', 'email', 'phone'] as const;

const popoverClass = 'z-50 rounded-lg border border-border bg-surface p-2 shadow-xl animate-fade-in';

export function EmojiPicker({ onPick }: { onPick: (emoji: string) => void }) {
  const { t } = useTranslation();
  return (
    <SharedEmojiPicker onPick={onPick} closeOnPick>
      <Button type="button" variant="ghost" size="sm" icon={<Smile className="size-4" aria-hidden />} aria-label={t('campaignsUi.templates.emoji')}>
        <span className="hidden sm:inline">Emoji</span>
      </Button>
    </SharedEmojiPicker>
  );
}

/** Picks a variable (a contact field or a custom attribute) with an optional fallback and hands `{{name|fallback}}` back. */
export function VariablePicker({ onPick, label }: { onPick: (token: string) => void; label?: string }) {
  const { t } = useTranslation();
  const fields = useContactFields();
  const [open, setOpen] = useState(false);
  const [fallback, setFallback] = useState('');
  const fallbackId = useId();
  const pick = (name: string) => {
    // A bar or closing brace would end the variable early: the fallback keeps neither.
    const clean = fallback.replace(/[|}]/g, '').trim();
    onPick(clean ? `{{${name}|${clean}}}` : `{{${name}}}`);
    setFallback('');
    setOpen(false);
  };
  const item = (name: string, text: string) => (
    <button key={name} type="button" role="menuitem" className="focus-ring flex w-full items-center justify-between gap-3 rounded-md px-2 py-1.5 text-left text-sm hover:bg-hover" onClick={() => pick(name)}>
      <span className="truncate">{text}</span>
      <code className="shrink-0 text-xs text-subtle">{name}</code>
    </button>
  );
  return (
    <Popover.Root open={open} onOpenChange={setOpen}>
      <Popover.Trigger asChild>
        <Button type="button" variant="ghost" size="sm" icon={<Braces className="size-4" aria-hidden />} aria-label={label ?? t('campaignsUi.templates.insertVariable')}>
          <span className="hidden sm:inline">{t('campaignsUi.templates.insertVariable')}</span>
        </Button>
      </Popover.Trigger>
      <Popover.Portal>
        <Popover.Content side="bottom" align="start" sideOffset={6} className={`${popoverClass} w-72`}>
          <div className="mb-2 space-y-1 border-b border-border px-1 pb-2">
            <label htmlFor={fallbackId} className="text-xs font-medium text-muted">
              {t('campaignsUi.templates.fallback')}
            </label>
            <Input id={fallbackId} value={fallback} onChange={(e) => setFallback(e.target.value)} placeholder={t('campaignsUi.templates.fallbackPlaceholder')} className="h-8" />
            <p className="text-xs text-subtle">{t('campaignsUi.templates.fallbackHint', { example: `{{firstName|${fallback.trim() || t('campaignsUi.templates.fallbackPlaceholder')}}}` })}</p>
          </div>
          <div role="menu" aria-label={t('campaignsUi.templates.insertVariable')} className="max-h-64 overflow-y-auto">
            {BUILT_IN.map((name) => item(name, t(`campaignsUi.templates.variables.${name}`)))}
            {fields.data?.length ? <p className="px-2 pt-2 pb-1 text-xs font-medium text-subtle">{t('campaignsUi.templates.customFields')}</p> : null}
            {fields.data?.map((f) => item(f.key, f.label))}
          </div>
        </Popover.Content>
      </Popover.Portal>
    </Popover.Root>
  );
}

export type Mapping = { channelId: string; name: string; language: string; parameters: string[]; headerParameters: string[] };

/** What would make Meta refuse every send of the mapped template (the server's plan and launch refuse the same, decision 0050). */
export type FitProblem = 'template_header_needs_media' | 'template_header_takes_no_media' | 'template_header_media_type' | 'template_header_parameters' | 'template_body_parameters';
const MEDIA_HEADERS = ['IMAGE', 'VIDEO', 'DOCUMENT'];
/** How the Cloud API sends a file of this type (as the server's mediaKind): image headers take JPEG and PNG only. */
const kindOf = (mimeType: string) => (mimeType === 'image/jpeg' || mimeType === 'image/png' ? 'image' : mimeType.startsWith('video/') ? 'video' : mimeType.startsWith('audio/') ? 'audio' : 'document');

/** The number the mapping is on, its approved templates, the one picked, and what does not fit it (nothing when not known). */
export function useMappingFit(value: Mapping | null, mimeType: string | null) {
  const channels = useChannels();
  const cloud = (channels.data ?? []).filter((c) => c.kind === 'whatsapp_cloud');
  const channelId = value?.channelId || cloud[0]?.id || '';
  const templates = useTemplates(channelId, Boolean(channelId));
  const approved = (templates.data?.items ?? []).filter((tpl) => tpl.status.toUpperCase() === 'APPROVED');
  const picked = value?.name ? approved.find((tpl) => tpl.name === value.name && tpl.language === value.language) : undefined;
  const problems: FitProblem[] = [];
  if (picked && value) {
    if (picked.headerFormat !== undefined) {
      const takesFile = picked.headerFormat !== null && MEDIA_HEADERS.includes(picked.headerFormat);
      if (takesFile && !mimeType) problems.push('template_header_needs_media');
      else if (!takesFile && mimeType) problems.push('template_header_takes_no_media');
      else if (takesFile && mimeType && kindOf(mimeType) !== picked.headerFormat!.toLowerCase()) problems.push('template_header_media_type');
    }
    if (picked.headerParameters !== undefined && picked.headerParameters !== value.headerParameters.length) problems.push('template_header_parameters');
    if (picked.bodyParameters !== undefined && picked.bodyParameters !== value.parameters.length) problems.push('template_body_parameters');
  }
  return { cloud, channelId, templates, approved, picked, problems };
}

/**
 * Says, where it cannot be missed, why the mapped WhatsApp template would refuse this message:
 * saving is allowed (a template is often drafted before its file is ready), launching is not.
 */
export function TemplateFitWarning({ value, mimeType }: { value: Mapping | null; mimeType: string | null }) {
  const { t } = useTranslation();
  const { picked, problems } = useMappingFit(value, mimeType);
  if (!picked || problems.length === 0) return null;
  const file = MEDIA_HEADERS.includes(picked.headerFormat ?? '') ? t(`errors.headerFile.${picked.headerFormat as 'IMAGE'}`) : '';
  const words = (p: FitProblem) => {
    switch (p) {
      case 'template_header_parameters':
        return t(picked.headerParameters ? 'campaignsUi.templates.fit.headerParameterMissing' : 'campaignsUi.templates.fit.headerParameterExtra');
      case 'template_body_parameters':
        return t('campaignsUi.templates.fit.bodyParameters', { count: picked.bodyParameters ?? 0, given: value?.parameters.length ?? 0 });
      default:
        return t(`campaignsUi.templates.fit.${p}`, { file, format: picked.headerFormat ?? t('campaignsUi.templates.fit.noHeader') });
    }
  };
  return (
    <Alert tone="warning" title={t('campaignsUi.templates.fit.title', { template: `${picked.name} (${picked.language})` })}>
      <div data-testid="template-fit-warning" data-problems={problems.join(' ')}>
        <ul className="list-disc space-y-0.5 pl-4">
          {problems.map((p) => (
            <li key={p}>{words(p)}</li>
          ))}
        </ul>
        <p className="mt-1.5 font-medium">{t('campaignsUi.templates.fit.consequence')}</p>
      </div>
    </Alert>
  );
}

/** Maps the message to an approved template of a WhatsApp Cloud API number, with its header's and body's parameters. */
export function WhatsAppMapping({ value, onChange, errors, headerError }: { value: Mapping | null; onChange: (value: Mapping | null) => void; errors: Record<number, string>; headerError?: string | undefined }) {
  const { t } = useTranslation();
  const { cloud, channelId, templates, approved, picked } = useMappingFit(value, null);
  if (cloud.length === 0) return <p className="text-[13px] text-muted">{t('campaignsUi.templates.whatsappNoChannel')}</p>;
  // With what its header takes: a media header needs the template's file (decision 0048).
  const headerLabel = (format: string | null | undefined) => (format && format !== 'TEXT' ? ` · ${t(`channels.templates.headerFormats.${format as 'IMAGE'}`)}` : '');
  const options = approved.map((tpl) => ({ value: `${tpl.name}\u0000${tpl.language}`, label: `${tpl.name} (${tpl.language})${headerLabel(tpl.headerFormat)}`, textValue: tpl.name }));
  const mediaHeader = picked?.headerFormat === 'IMAGE' || picked?.headerFormat === 'VIDEO' || picked?.headerFormat === 'DOCUMENT' ? picked.headerFormat : null;
  // A mapping saved from another number (or a template since removed) still shows as chosen.
  const current = value?.name ? `${value.name}\u0000${value.language}` : '';
  if (current && !options.some((o) => o.value === current)) options.unshift({ value: current, label: `${value!.name} (${value!.language})`, textValue: value!.name });
  const setParameters = (parameters: string[]) => value && onChange({ ...value, parameters });
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label={t('campaignsUi.templates.whatsappChannel')}>
          {(control) => (
            <Select {...control} value={channelId} onValueChange={(id) => onChange(value ? { ...value, channelId: id } : { channelId: id, name: '', language: '', parameters: [], headerParameters: [] })} options={cloud.map((c) => ({ value: c.id, label: c.name }))} />
          )}
        </Field>
        <Field
          label={t('campaignsUi.templates.whatsappTemplate')}
          hint={
            templates.isSuccess && approved.length === 0
              ? t('campaignsUi.templates.whatsappNoTemplates')
              : picked
                ? mediaHeader
                  ? t('campaignsUi.templates.whatsappMediaHeader', { file: t(`errors.headerFile.${mediaHeader}`) })
                  : picked.headerFormat !== undefined
                    ? t('campaignsUi.templates.whatsappNoMediaHeader')
                    : undefined
                : undefined
          }
        >
          {(control) => (
            <Select
              {...control}
              value={current}
              placeholder={t('campaignsUi.templates.whatsappPick')}
              onValueChange={(v) => {
                const [name = '', language = ''] = v.split('\u0000');
                const next = approved.find((tpl) => tpl.name === name && tpl.language === language);
                // As many fields as Meta's template takes, when the synced list says so.
                const sized = (count: number | undefined, current: string[]) => (count === undefined ? current : Array.from({ length: count }, (_, i) => current[i] ?? ''));
                onChange({ channelId, name, language, parameters: sized(next?.bodyParameters, value?.parameters ?? []), headerParameters: sized(next?.headerParameters, value?.headerParameters ?? []) });
              }}
              options={options}
            />
          )}
        </Field>
      </div>
      {value?.name && (value.headerParameters.length > 0 || (picked?.headerParameters ?? 0) > 0) ? (
        <fieldset className="space-y-2">
          <legend className="mb-1 text-[13px] font-medium">{t('campaignsUi.templates.whatsappHeaderParameter')}</legend>
          {(value.headerParameters.length ? value.headerParameters : ['']).map((p, i) => (
            <Field key={i} label={t('campaignsUi.templates.whatsappHeaderParameterLabel')} hint={t('campaignsUi.templates.whatsappHeaderParameterHint', { example: '{{firstName|cliente}}' })} error={headerError}>
              {(control) => (
                <div className="flex items-center gap-1">
                  <Input
                    {...control}
                    value={p}
                    maxLength={60}
                    data-testid="whatsapp-header-parameter"
                    onChange={(e) => onChange({ ...value, headerParameters: [e.target.value] })}
                    className="flex-1"
                  />
                  <VariablePicker label={`${t('campaignsUi.templates.insertVariable')} (${t('campaignsUi.templates.whatsappHeaderParameterLabel')})`} onPick={(token) => onChange({ ...value, headerParameters: [p + token] })} />
                  {picked?.headerParameters ? null : (
                    <Button type="button" variant="ghost" size="icon" aria-label={t('campaignsUi.templates.whatsappRemoveHeaderParameter')} onClick={() => onChange({ ...value, headerParameters: [] })}>
                      <Trash2 className="size-4" aria-hidden />
                    </Button>
                  )}
                </div>
              )}
            </Field>
          ))}
        </fieldset>
      ) : null}
      {value?.name ? (
        <fieldset className="space-y-2">
          <legend className="mb-1 text-[13px] font-medium">{t('campaignsUi.templates.whatsappParameters')}</legend>
          {value.parameters.map((p, i) => (
            <Field key={i} label={t('campaignsUi.templates.whatsappParameter', { n: i + 1 })} error={errors[i]}>
              {(control) => (
                <div className="flex items-center gap-1">
                  <Input {...control} value={p} onChange={(e) => setParameters(value.parameters.map((x, j) => (j === i ? e.target.value : x)))} className="flex-1" />
                  <VariablePicker label={`${t('campaignsUi.templates.insertVariable')} (${i + 1})`} onPick={(token) => setParameters(value.parameters.map((x, j) => (j === i ? x + token : x)))} />
                  <Button type="button" variant="ghost" size="icon" aria-label={t('campaignsUi.templates.whatsappRemoveParameter', { n: i + 1 })} onClick={() => setParameters(value.parameters.filter((_, j) => j !== i))}>
                    <Trash2 className="size-4" aria-hidden />
                  </Button>
                </div>
              )}
            </Field>
          ))}
          <div className="flex flex-wrap gap-2">
            <Button type="button" variant="secondary" size="sm" icon={<Plus className="size-4" aria-hidden />} disabled={value.parameters.length >= 20} onClick={() => setParameters([...value.parameters, ''])}>
              {t('campaignsUi.templates.whatsappAddParameter')}
            </Button>
            <Button type="button" variant="ghost" size="sm" onClick={() => onChange(null)}>
              {t('campaignsUi.templates.whatsappRemove')}
            </Button>
          </div>
        </fieldset>
      ) : null}
    </div>
  );
}

/** The template's one media file as the editor holds it (size known after an upload or a look-up). */
export type MediaDraft = { blobId: string; name: string | null; contentType: string | null; size: number | null };

/** Attach, show, replace or remove the template's media file (uploaded at once; saved with the template). */
export function TemplateMediaField({ value, onChange, error }: { value: MediaDraft | null; onChange: (value: MediaDraft | null) => void; error?: string | undefined }) {
  const { t } = useTranslation();
  const { upload, uploading, error: uploadError } = useUpload();
  const stored = useStoredFile(value && value.size === null ? value.blobId : null);
  const attach = async (file: File) => {
    const saved = await upload(file);
    if (saved) onChange({ blobId: saved.id, name: saved.name, contentType: saved.contentType, size: saved.size });
  };
  const problem = uploadError ?? error;
  return (
    <fieldset className="space-y-1.5" data-testid="template-media">
      <legend className="mb-1.5 text-[13px] font-medium">
        {t('campaignsUi.templates.media')} <span className="font-normal text-subtle">({t('common.optional')})</span>
      </legend>
      {value && !uploading ? (
        <AttachmentCard
          file={{ id: value.blobId, name: value.name ?? stored.data?.name ?? value.blobId, contentType: value.contentType, size: value.size ?? stored.data?.size ?? null, url: fileUrl(value.blobId) }}
          onRemove={() => onChange(null)}
          onReplace={(file) => void attach(file)}
        />
      ) : (
        <FileDropZone onFile={(file) => void attach(file)} uploading={uploading} />
      )}
      {problem ? (
        <p className="text-[13px] text-danger" role="alert">
          {problem}
        </p>
      ) : (
        <p className="text-[13px] text-muted">{t('campaignsUi.templates.mediaHint')}</p>
      )}
    </fieldset>
  );
}
