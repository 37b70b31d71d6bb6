import { fillVariables } from '@leadmaster/contracts';
import { clsx } from 'clsx';
import { MessageSquareText, Send, Smile } from 'lucide-react';
import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { EmojiPicker } from '../../ui/EmojiPicker';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Input, Textarea } from '../../ui/Input';
import { Menu, MenuContent, MenuItem, MenuTrigger } from '../../ui/Menu';
import { Select } from '../../ui/Select';
import { Switch } from '../../ui/Switch';
import { useSession } from '../auth/session';
import { AttachButton, AttachmentCard, useFileDrop } from '../files/Attachment';
import { useUpload, type StoredFile } from '../files/files.api';
import { useComposerRules, useInboxMutations, useQuickReplies, type Conversation } from './inbox.api';


type Mode = 'text' | 'template';
/** Template headers that take a file with each message (decision 0048). */
const HEADER_FILES = ['IMAGE', 'VIDEO', 'DOCUMENT'] as const;
type HeaderFile = (typeof HEADER_FILES)[number];
const headerFileOf = (format: string | null | undefined): HeaderFile | null => HEADER_FILES.find((f) => f === format) ?? null;

export function Composer({ conversation }: { conversation: Conversation }) {
  const { t } = useTranslation();
  const me = useSession();
  const rules = useComposerRules(conversation.id, conversation.lastInboundAt);
  const quick = useQuickReplies();
  const { send, note } = useInboxMutations(conversation.id);
  const [text, setText] = useState('');
  const [asNote, setAsNote] = useState(false);
  const [fromChannelId, setFromChannelId] = useState('');
  const [template, setTemplate] = useState('');
  const [parameters, setParameters] = useState<string[]>([]);
  // A TEXT header with a `{{1}}` takes its text too (decision 0050).
  const [headerParameters, setHeaderParameters] = useState<string[]>([]);
  const [attachment, setAttachment] = useState<StoredFile | null>(null);
  const files = useUpload();

  const r = rules.data;
  const from = r?.mode === 'listen_only' ? (r.answerFrom.find((a) => a.channelId === fromChannelId) ?? r.answerFrom[0]) : null;
  const mode: Mode | null = asNote ? 'text' : r?.mode === 'text' ? 'text' : r?.mode === 'template' ? 'template' : from ? from.mode : null;
  const templates = from ? from.templates : (r?.templates ?? []);
  const chosen = templates.find((tp) => `${tp.name}|${tp.language}` === template) ?? null;
  // A template whose header is an image, a video or a document goes with that file: the composer asks for it.
  const headerFile = !asNote && mode === 'template' ? headerFileOf(chosen?.headerFormat) : null;
  // A file goes with a reply (never a note), where the channel sends media; WhatsApp outside its window takes a template only.
  const canAttach = !asNote && mode === 'text' && Boolean(from ? from.canSendMedia : r?.canSendMedia);
  const takesFile = canAttach || headerFile !== null;
  const pending = send.isPending || note.isPending || Boolean(files.uploading);
  const attach = async (file: File) => {
    const stored = await files.upload(file);
    if (stored) setAttachment(stored);
  };
  const drop = useFileDrop((file) => void attach(file), { disabled: !takesFile || pending, onMany: () => files.setError(t('files.errors.oneFile')) });
  const chooseTemplate = (value: string) => {
    setTemplate(value);
    const next = templates.find((tp) => `${tp.name}|${tp.language}` === value);
    // As many fields as the body takes, when the synced list says so.
    setParameters(next?.bodyParameters !== undefined ? Array.from({ length: next.bodyParameters }, () => '') : []);
    setHeaderParameters(Array.from({ length: next?.headerParameters ?? 0 }, () => ''));
    setAttachment(null);
  };
  const error = send.error ?? note.error;

  const variables = { firstName: conversation.contact.firstName, lastName: conversation.contact.lastName, company: conversation.contact.company, agentName: me.user.name };

  async function submit(event?: FormEvent) {
    event?.preventDefault();
    if (pending) return;
    if (asNote) {
      if (!text.trim()) return;
      await note.mutateAsync(text);
      setText('');
      return;
    }
    const via = from ? { fromChannelId: from.channelId } : {};
    if (mode === 'template') {
      if (!chosen || (headerFile && !attachment) || headerParameters.some((p) => !p.trim())) return;
      const media = headerFile && attachment ? { media: [{ blobId: attachment.id }] } : {};
      await send.mutateAsync({ template: { name: chosen.name, language: chosen.language, parameters: parameters.map((p) => p.trim()), headerParameters: headerParameters.map((p) => p.trim()) }, ...media, ...via });
      setParameters(parameters.map(() => ''));
      setHeaderParameters(headerParameters.map(() => ''));
      setAttachment(null);
      return;
    }
    const media = canAttach && attachment ? [{ blobId: attachment.id }] : null;
    if (!text.trim() && !media) return;
    await send.mutateAsync({ ...(text.trim() ? { body: text } : {}), ...(media ? { media } : {}), ...via });
    setText('');
    setAttachment(null);
  }

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
      e.preventDefault();
      void submit();
    }
  };

  return (
    <form
      onSubmit={(e) => void submit(e)}
      {...drop.handlers}
      className={clsx('border-t border-border p-3', asNote ? 'bg-amber-50/70 dark:bg-amber-400/5' : 'bg-surface', drop.over && 'ring-2 ring-primary ring-inset')}
      aria-label={t('inboxUi.composer.label')}
    >
      {error ? <ErrorAlert error={error} className="mb-2" /> : null}
      {files.error && takesFile ? (
        <Alert tone="danger" className="mb-2">
          {files.error}
        </Alert>
      ) : null}
      {canAttach && (attachment || files.uploading) ? (
        <div className="mb-2">
          {attachment ? (
            <AttachmentCard compact file={{ id: attachment.id, name: attachment.name, contentType: attachment.contentType, size: attachment.size, url: attachment.url }} onRemove={() => setAttachment(null)} />
          ) : (
            <p className="text-xs text-muted" role="status">
              {t('files.uploading', { name: files.uploading })}
            </p>
          )}
        </div>
      ) : null}
      {r?.mode === 'cannot_send' && !asNote ? <Alert tone="warning" className="mb-2">{t('inboxUi.composer.cannotSend')}</Alert> : null}
      {r?.mode === 'listen_only' && !asNote && from ? (
        <div className="mb-2 flex flex-wrap items-center gap-2 text-xs text-muted">
          <span>{t('inboxUi.composer.listenOnly')}</span>
          <Select aria-label={t('inboxUi.composer.answerFrom')} value={from.channelId} onValueChange={setFromChannelId} options={r.answerFrom.map((a) => ({ value: a.channelId, label: a.name }))} className="h-8 w-auto text-xs" />
        </div>
      ) : null}
      {mode === 'template' ? (
        <div className="space-y-2" data-testid="template-picker">
          <p className="text-xs text-muted">{t('inboxUi.composer.outsideWindow')}</p>
          {templates.length === 0 ? (
            <Alert tone="warning">{t('inboxUi.composer.noTemplates')}</Alert>
          ) : (
            <>
              <Select
                aria-label={t('inboxUi.composer.template')}
                value={template}
                placeholder={t('inboxUi.composer.pickTemplate')}
                onValueChange={chooseTemplate}
                options={templates.map((tp) => {
                  const file = headerFileOf(tp.headerFormat);
                  return { value: `${tp.name}|${tp.language}`, label: `${tp.name} (${tp.language})${file ? ` · ${t(`inboxUi.composer.headerKind.${file}`)}` : ''}`, textValue: tp.name };
                })}
              />
              {chosen ? (
                <div className="space-y-1.5">
                  {headerFile ? (
                    <div className="space-y-1.5 rounded-md border border-dashed border-border px-2 py-1.5" data-testid="template-header-file">
                      {attachment ? (
                        <AttachmentCard compact file={{ id: attachment.id, name: attachment.name, contentType: attachment.contentType, size: attachment.size, url: attachment.url }} onRemove={() => setAttachment(null)} />
                      ) : null}
                      <div className="flex items-center gap-2">
                        {attachment ? null : <AttachButton onFile={(file) => void attach(file)} disabled={pending} />}
                        <p className="text-xs text-muted" role={files.uploading ? 'status' : undefined}>
                          {files.uploading ? t('files.uploading', { name: files.uploading }) : attachment ? t('inboxUi.composer.headerFileAttached') : t('inboxUi.composer.headerFileNeeded', { file: t(`errors.headerFile.${headerFile}`) })}
                        </p>
                      </div>
                    </div>
                  ) : null}
                  {headerParameters.length ? <p className="text-xs text-muted">{t('inboxUi.composer.headerParameter')}</p> : null}
                  {headerParameters.map((p, i) => (
                    <Input
                      key={`header-${i}`}
                      value={p}
                      maxLength={60}
                      data-testid="template-header-parameter"
                      aria-label={t('inboxUi.composer.headerParameter')}
                      placeholder={t('inboxUi.composer.headerParameter')}
                      onChange={(e) => setHeaderParameters(headerParameters.map((x, j) => (j === i ? e.target.value : x)))}
                    />
                  ))}
                  {parameters.map((p, i) => (
                    <Input key={i} value={p} aria-label={t('inboxUi.composer.parameter', { n: i + 1 })} placeholder={`{{${i + 1}}}`} onChange={(e) => setParameters(parameters.map((x, j) => (j === i ? e.target.value : x)))} />
                  ))}
                  <div className="flex gap-2">
                    {chosen.bodyParameters === undefined ? (
                      <Button type="button" variant="ghost" size="sm" onClick={() => setParameters([...parameters, ''])}>
                        {t('inboxUi.composer.addParameter')}
                      </Button>
                    ) : null}
                    <Button type="submit" size="sm" className="ml-auto" loading={pending} disabled={Boolean(headerFile && !attachment) || headerParameters.some((p) => !p.trim())} icon={<Send className="size-4" aria-hidden />}>
                      {t('inboxUi.composer.sendTemplate')}
                    </Button>
                  </div>
                </div>
              ) : null}
            </>
          )}
        </div>
      ) : mode === 'text' ? (
        <div className="flex items-end gap-2">
          <div className="flex shrink-0 gap-0.5 pb-0.5">
            <EmojiPicker side="top" onPick={(e) => setText((v) => v + e)}>
              <Button type="button" variant="ghost" size="icon" aria-label={t('inboxUi.composer.emoji')}>
                <Smile className="size-5" aria-hidden />
              </Button>
            </EmojiPicker>
            <Menu>
              <MenuTrigger asChild>
                <Button type="button" variant="ghost" size="icon" aria-label={t('inboxUi.composer.quickReplies')}>
                  <MessageSquareText className="size-5" aria-hidden />
                </Button>
              </MenuTrigger>
              <MenuContent align="start" className="max-w-80">
                {(quick.data?.items ?? []).length === 0 ? <p className="px-3 py-2 text-xs text-muted">{t('inboxUi.composer.noQuickReplies')}</p> : null}
                {(quick.data?.items ?? []).map((q) => (
                  <MenuItem key={q.id} onSelect={() => setText(fillVariables(q.body, variables))}>
                    <span className="min-w-0">
                      <span className="block text-xs font-semibold">/{q.shortcut}</span>
                      <span className="block truncate text-xs text-muted">{q.body}</span>
                    </span>
                  </MenuItem>
                ))}
              </MenuContent>
            </Menu>
            {canAttach ? <AttachButton onFile={(file) => void attach(file)} disabled={pending} /> : null}
          </div>
          <Textarea
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={onKeyDown}
            rows={1}
            placeholder={asNote ? t('inboxUi.composer.notePlaceholder') : t('inboxUi.composer.placeholder')}
            aria-label={asNote ? t('inboxUi.composer.notePlaceholder') : t('inboxUi.composer.placeholder')}
            className="max-h-40 min-h-9 flex-1 resize-none"
            data-testid="composer-input"
          />
          <Button type="submit" size="icon" loading={pending} disabled={!text.trim() && !(canAttach && attachment)} aria-label={asNote ? t('inboxUi.composer.addNote') : t('inboxUi.composer.send')}>
            <Send className="size-4" aria-hidden />
          </Button>
        </div>
      ) : null}
      <div className="mt-2 flex items-center gap-3">
        <Switch checked={asNote} onCheckedChange={setAsNote} label={t('inboxUi.composer.noteToggle')} />
        {r?.windowClosesAt && !asNote ? <span className="ml-auto text-[11px] text-subtle">{t('inboxUi.composer.windowOpen')}</span> : null}
      </div>
    </form>
  );
}
