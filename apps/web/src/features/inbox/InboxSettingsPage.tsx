import { fillVariables, LABEL_COLORS } from '@leadmaster/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { MessageSquareText, Pencil, Plus, Tags, Trash2 } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../lib/api';
import { errorText, toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Card } from '../../ui/Card';
import { ConfirmDialog, Dialog } from '../../ui/Dialog';
import { EmptyState } from '../../ui/EmptyState';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Field } from '../../ui/Field';
import { Input, Textarea } from '../../ui/Input';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { Select } from '../../ui/Select';
import { LoadingBlock } from '../../ui/Spinner';
import { Table, TBody, TD, TH, THead, TR } from '../../ui/Table';
import { TagInput } from '../../ui/TagInput';
import { useToast } from '../../ui/Toast';
import { useCan, useSession } from '../auth/session';
import { useLabels, useQuickReplies, type InboxLabel, type QuickReply } from './inbox.api';
import { LabelChip } from './Thread';

type LabelColor = (typeof LABEL_COLORS)[number];
/** The variables the composer fills in a quick reply (see Composer.tsx). */
const VARIABLES = ['firstName', 'lastName', 'company', 'agentName'] as const;
const LABELS_KEY = ['inbox', 'labels'];
const QUICK_KEY = ['inbox', 'quick-replies'];

/** Settings › Inbox: the workspace's conversation labels (with the words that suggest them) and quick replies. */
export function InboxSettingsPage() {
  const { t } = useTranslation();
  const canManage = useCan()('inbox.assign');
  return (
    <Page>
      <PageHeader title={t('inboxSettings.title')} description={t('inboxSettings.subtitle')} />
      {!canManage ? <Alert className="mb-4">{t('inboxSettings.readOnly')}</Alert> : null}
      <div className="space-y-10">
        <LabelsSection canManage={canManage} />
        <QuickRepliesSection canManage={canManage} />
      </div>
    </Page>
  );
}

function SectionHeader(props: { title: string; body: string; action: React.ReactNode }) {
  return (
    <div className="mb-3 flex flex-wrap items-end justify-between gap-3">
      <div className="min-w-0">
        <h2 className="text-base font-semibold">{props.title}</h2>
        <p className="mt-0.5 text-[13px] text-muted">{props.body}</p>
      </div>
      {props.action}
    </div>
  );
}

function LabelsSection({ canManage }: { canManage: boolean }) {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const labels = useLabels();
  const [editing, setEditing] = useState<InboxLabel | 'new' | null>(null);
  const [removing, setRemoving] = useState<InboxLabel | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: LABELS_KEY });
  return (
    <section aria-labelledby="labels-heading">
      <SectionHeader
        title={t('inboxSettings.labels.title')}
        body={t('inboxSettings.labels.body')}
        action={
          canManage ? (
            <Button icon={<Plus className="size-4" aria-hidden />} onClick={() => setEditing('new')}>
              {t('inboxSettings.labels.create')}
            </Button>
          ) : null
        }
      />
      {labels.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
      {labels.isError ? <ErrorAlert error={labels.error} onRetry={() => void labels.refetch()} /> : null}
      {labels.data?.items.length === 0 ? (
        <Card>
          <EmptyState icon={Tags} title={t('inboxSettings.labels.emptyTitle')} body={t('inboxSettings.labels.emptyBody')} />
        </Card>
      ) : null}
      {labels.data?.items.length ? (
        <Table label={t('inboxSettings.labels.title')}>
          <THead>
            <TR>
              <TH>{t('inboxSettings.labels.name')}</TH>
              <TH className="hidden sm:table-cell">{t('inboxSettings.labels.keywords')}</TH>
              {canManage ? <TH className="w-24 text-right">{t('inboxSettings.actions')}</TH> : null}
            </TR>
          </THead>
          <TBody>
            {labels.data.items.map((label) => (
              <TR key={label.id} data-testid="label-row">
                <TD className="whitespace-nowrap">
                  <LabelChip name={label.name} color={label.color} />
                  <p className="mt-1 text-xs whitespace-normal text-muted sm:hidden">{label.keywords.join(' · ')}</p>
                </TD>
                <TD className="hidden text-[13px] text-muted sm:table-cell">{label.keywords.length ? label.keywords.join(' · ') : <span className="text-subtle">{t('inboxSettings.labels.noKeywords')}</span>}</TD>
                {canManage ? (
                  <TD className="text-right whitespace-nowrap">
                    <Button variant="ghost" size="icon" aria-label={t('inboxSettings.labels.edit', { name: label.name })} onClick={() => setEditing(label)}>
                      <Pencil className="size-4" aria-hidden />
                    </Button>
                    <Button variant="ghost" size="icon" aria-label={t('inboxSettings.labels.remove', { name: label.name })} onClick={() => setRemoving(label)}>
                      <Trash2 className="size-4" aria-hidden />
                    </Button>
                  </TD>
                ) : null}
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
      {canManage ? (
        <>
          <LabelDialog
            label={editing}
            onClose={() => setEditing(null)}
            onSaved={(label, created) => {
              toast.success(t(created ? 'inboxSettings.labels.createdToast' : 'inboxSettings.labels.savedToast', { name: label.name }));
              void refresh();
            }}
          />
          <ConfirmDialog
            open={removing !== null}
            onOpenChange={(open) => !open && setRemoving(null)}
            title={t('inboxSettings.labels.removeTitle', { name: removing?.name ?? '' })}
            description={t('inboxSettings.labels.removeBody')}
            confirmLabel={t('inboxSettings.remove')}
            onConfirm={async () => {
              if (!removing) return;
              try {
                await api.delete(`/api/v1/inbox/labels/${removing.id}`);
                toast.success(t('inboxSettings.labels.removedToast', { name: removing.name }));
                await refresh();
              } catch (error) {
                toast.error(errorText(error, t));
                throw error;
              }
            }}
          />
        </>
      ) : null}
    </section>
  );
}

function LabelDialog(props: { label: InboxLabel | 'new' | null; onClose: () => void; onSaved: (label: InboxLabel, created: boolean) => void }) {
  const { t } = useTranslation();
  const creating = props.label === 'new';
  const [values, setValues] = useState({ name: '', color: 'blue' as LabelColor, keywords: [] as string[] });
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  useEffect(() => {
    if (props.label === null) return;
    setValues(props.label === 'new' ? { name: '', color: 'blue', keywords: [] } : { name: props.label.name, color: props.label.color as LabelColor, keywords: props.label.keywords });
    form.clear();
  }, [props.label]);
  const submit = async () => {
    if (!values.name.trim()) return form.setFields({ name: t('validation.required') });
    setBusy(true);
    try {
      const body = { name: values.name.trim(), color: values.color, keywords: values.keywords };
      const saved = creating ? await api.post<InboxLabel>('/api/v1/inbox/labels', body) : await api.patch<InboxLabel>(`/api/v1/inbox/labels/${(props.label as InboxLabel).id}`, body);
      props.onSaved(saved, creating);
      props.onClose();
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={props.label !== null}
      onOpenChange={(open) => !open && !busy && props.onClose()}
      title={creating ? t('inboxSettings.labels.createTitle') : t('inboxSettings.labels.editTitle')}
      description={t('inboxSettings.labels.dialogBody')}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button variant="secondary" disabled={busy} onClick={props.onClose}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={busy} loadingText={t('inboxSettings.saving')}>
            {creating ? t('inboxSettings.labels.create') : t('inboxSettings.save')}
          </Button>
        </>
      }
    >
      <div className="space-y-4">
        {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
        <div className="grid gap-4 sm:grid-cols-[1fr_10rem]">
          <Field label={t('inboxSettings.labels.name')} error={form.field('name')}>
            {(p) => <Input {...p} autoFocus maxLength={60} placeholder={t('inboxSettings.labels.namePlaceholder')} value={values.name} onChange={(e) => setValues({ ...values, name: e.target.value })} />}
          </Field>
          <Field label={t('inboxSettings.labels.color')} error={form.field('color')}>
            {(p) => (
              <Select
                {...p}
                value={values.color}
                onValueChange={(color) => setValues({ ...values, color: color as LabelColor })}
                options={LABEL_COLORS.map((c) => ({ value: c, label: t(`inboxSettings.colors.${c}`) }))}
              />
            )}
          </Field>
        </div>
        <Field label={t('inboxSettings.labels.keywords')} hint={t('inboxSettings.labels.keywordsHint')} error={form.field('keywords')}>
          {(p) => <TagInput {...p} value={values.keywords} onChange={(keywords) => setValues({ ...values, keywords })} max={50} />}
        </Field>
        <p className="text-xs text-muted">
          {t('inboxSettings.labels.preview')} <LabelChip name={values.name.trim() || t('inboxSettings.labels.namePlaceholder')} color={values.color} />
        </p>
      </div>
    </Dialog>
  );
}

function QuickRepliesSection({ canManage }: { canManage: boolean }) {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const replies = useQuickReplies();
  const [editing, setEditing] = useState<QuickReply | 'new' | null>(null);
  const [removing, setRemoving] = useState<QuickReply | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: QUICK_KEY });
  return (
    <section>
      <SectionHeader
        title={t('inboxSettings.quick.title')}
        body={t('inboxSettings.quick.body')}
        action={
          canManage ? (
            <Button icon={<Plus className="size-4" aria-hidden />} onClick={() => setEditing('new')}>
              {t('inboxSettings.quick.create')}
            </Button>
          ) : null
        }
      />
      {replies.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
      {replies.isError ? <ErrorAlert error={replies.error} onRetry={() => void replies.refetch()} /> : null}
      {replies.data?.items.length === 0 ? (
        <Card>
          <EmptyState icon={MessageSquareText} title={t('inboxSettings.quick.emptyTitle')} body={t('inboxSettings.quick.emptyBody')} />
        </Card>
      ) : null}
      {replies.data?.items.length ? (
        <Table label={t('inboxSettings.quick.title')}>
          <THead>
            <TR>
              <TH className="w-40">{t('inboxSettings.quick.shortcut')}</TH>
              <TH>{t('inboxSettings.quick.text')}</TH>
              {canManage ? <TH className="w-24 text-right">{t('inboxSettings.actions')}</TH> : null}
            </TR>
          </THead>
          <TBody>
            {replies.data.items.map((reply) => (
              <TR key={reply.id} data-testid="quick-reply-row">
                <TD className="font-mono text-[13px]">/{reply.shortcut}</TD>
                <TD className="text-[13px] whitespace-pre-wrap text-muted">{reply.body}</TD>
                {canManage ? (
                  <TD className="text-right whitespace-nowrap">
                    <Button variant="ghost" size="icon" aria-label={t('inboxSettings.quick.edit', { shortcut: reply.shortcut })} onClick={() => setEditing(reply)}>
                      <Pencil className="size-4" aria-hidden />
                    </Button>
                    <Button variant="ghost" size="icon" aria-label={t('inboxSettings.quick.remove', { shortcut: reply.shortcut })} onClick={() => setRemoving(reply)}>
                      <Trash2 className="size-4" aria-hidden />
                    </Button>
                  </TD>
                ) : null}
              </TR>
            ))}
          </TBody>
        </Table>
      ) : null}
      {canManage ? (
        <>
          <QuickReplyDialog
            reply={editing}
            onClose={() => setEditing(null)}
            onSaved={(reply, created) => {
              toast.success(t(created ? 'inboxSettings.quick.createdToast' : 'inboxSettings.quick.savedToast', { shortcut: reply.shortcut }));
              void refresh();
            }}
          />
          <ConfirmDialog
            open={removing !== null}
            onOpenChange={(open) => !open && setRemoving(null)}
            title={t('inboxSettings.quick.removeTitle', { shortcut: removing?.shortcut ?? '' })}
            description={t('inboxSettings.quick.removeBody')}
            confirmLabel={t('inboxSettings.remove')}
            onConfirm={async () => {
              if (!removing) return;
              try {
                await api.delete(`/api/v1/inbox/quick-replies/${removing.id}`);
                toast.success(t('inboxSettings.quick.removedToast', { shortcut: removing.shortcut }));
                await refresh();
              } catch (error) {
                toast.error(errorText(error, t));
                throw error;
              }
            }}
          />
        </>
      ) : null}
    </section>
  );
}

function QuickReplyDialog(props: { reply: QuickReply | 'new' | null; onClose: () => void; onSaved: (reply: QuickReply, created: boolean) => void }) {
  const { t } = useTranslation();
  const me = useSession();
  const creating = props.reply === 'new';
  const [values, setValues] = useState({ shortcut: '', body: '' });
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  const bodyRef = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (props.reply === null) return;
    setValues(props.reply === 'new' ? { shortcut: '', body: '' } : { shortcut: props.reply.shortcut, body: props.reply.body });
    form.clear();
  }, [props.reply]);
  const insert = (name: string) => {
    const token = `{{${name}}}`;
    const el = bodyRef.current;
    const start = el?.selectionStart ?? values.body.length;
    const end = el?.selectionEnd ?? values.body.length;
    setValues({ ...values, body: values.body.slice(0, start) + token + values.body.slice(end) });
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + token.length, start + token.length);
    });
  };
  const example = { firstName: t('inboxSettings.quick.example.firstName'), lastName: t('inboxSettings.quick.example.lastName'), company: t('inboxSettings.quick.example.company'), agentName: me.user.name };
  const submit = async () => {
    const problems: Record<string, string> = {};
    if (!/^[\p{L}\p{N}_-]+$/u.test(values.shortcut.trim())) problems.shortcut = t('inboxSettings.quick.shortcutRule');
    if (!values.body.trim()) problems.body = t('validation.required');
    form.setFields(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      const body = { shortcut: values.shortcut.trim(), body: values.body.trim() };
      const saved = creating ? await api.post<QuickReply>('/api/v1/inbox/quick-replies', body) : await api.patch<QuickReply>(`/api/v1/inbox/quick-replies/${(props.reply as QuickReply).id}`, body);
      props.onSaved(saved, creating);
      props.onClose();
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={props.reply !== null}
      onOpenChange={(open) => !open && !busy && props.onClose()}
      title={creating ? t('inboxSettings.quick.createTitle') : t('inboxSettings.quick.editTitle')}
      description={t('inboxSettings.quick.dialogBody')}
      size="lg"
      onSubmit={() => void submit()}
      footer={
        <>
          <Button variant="secondary" disabled={busy} onClick={props.onClose}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={busy} loadingText={t('inboxSettings.saving')}>
            {creating ? t('inboxSettings.quick.create') : t('inboxSettings.save')}
          </Button>
        </>
      }
    >
      <div className="space-y-4">
        {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
        <Field label={t('inboxSettings.quick.shortcut')} hint={t('inboxSettings.quick.shortcutRule')} error={form.field('shortcut')}>
          {(p) => <Input {...p} autoFocus maxLength={40} className="font-mono" placeholder="saludo" value={values.shortcut} onChange={(e) => setValues({ ...values, shortcut: e.target.value })} />}
        </Field>
        <Field label={t('inboxSettings.quick.text')} hint={t('inboxSettings.quick.textHint', { example: '{{firstName|…}}', interpolation: { escapeValue: false } })} error={form.field('body')}>
          {(p) => <Textarea {...p} ref={bodyRef} rows={4} maxLength={4096} value={values.body} onChange={(e) => setValues({ ...values, body: e.target.value })} />}
        </Field>
        <div>
          <p className="mb-1.5 text-xs font-medium text-muted">{t('inboxSettings.quick.variables')}</p>
          <div className="flex flex-wrap gap-1.5">
            {VARIABLES.map((name) => (
              <Button key={name} type="button" variant="secondary" size="sm" onClick={() => insert(name)}>
                {t(`inboxSettings.quick.variable.${name}`)}
              </Button>
            ))}
          </div>
        </div>
        <div className="rounded-md border border-border bg-hover/40 px-3 py-2">
          <p className="text-xs font-medium text-muted">{t('inboxSettings.quick.previewTitle')}</p>
          <p className="mt-1 text-sm whitespace-pre-wrap" data-testid="quick-reply-preview">
            {values.body.trim() ? fillVariables(values.body, example) : <span className="text-subtle">{t('inboxSettings.quick.previewEmpty')}</span>}
          </p>
        </div>
      </div>
    </Dialog>
  );
}
