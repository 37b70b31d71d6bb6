import { fillVariables, LABEL_COLORS } from '@leadmaster/contracts';
import { useQueryClient, type UseQueryResult } from '@tanstack/react-query';
import { MessageSquareText, Pencil, Plus, Tags, Trash2, type LucideIcon } from 'lucide-react';
import { useEffect, useRef, useState, type ReactNode } from 'react';
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

/** The two kinds of items this page manages; their texts live under `inboxSettings.<kind>`. */
type Kind = 'labels' | 'quick';
type Editing<T> = T | 'new' | null;
type DialogProps<T> = { item: Editing<T>; onClose: () => void; onSaved: (item: T, created: boolean) => void };

/**
 * A section that lists a kind of item in a table, creates and edits them in a dialog and deletes them
 * after asking: the same frame for labels and quick replies, which differ only in their columns and form.
 */
function ItemsSection<T extends { id: string }>(props: {
  kind: Kind;
  canManage: boolean;
  items: UseQueryResult<{ items: T[] }>;
  queryKey: string[];
  /** The collection's API path; an item is `${path}/${id}`. */
  path: string;
  icon: LucideIcon;
  /** What the texts call an item (a label's name, a reply's shortcut). */
  nameOf: (item: T) => string;
  rowTestId: string;
  columns: ReactNode;
  cells: (item: T) => ReactNode;
  Dialog: (props: DialogProps<T>) => ReactNode;
}) {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const { kind, canManage, items } = props;
  const [editing, setEditing] = useState<Editing<T>>(null);
  const [removing, setRemoving] = useState<T | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: props.queryKey });
  // Labels' texts say {{name}}, quick replies' {{shortcut}}: both are given, each text uses its own.
  const named = (item: T) => ({ name: props.nameOf(item), shortcut: props.nameOf(item) });
  return (
    <section>
      <SectionHeader
        title={t(`inboxSettings.${kind}.title`)}
        body={t(`inboxSettings.${kind}.body`)}
        action={
          canManage ? (
            <Button icon={<Plus className="size-4" aria-hidden />} onClick={() => setEditing('new')}>
              {t(`inboxSettings.${kind}.create`)}
            </Button>
          ) : null
        }
      />
      {items.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
      {items.isError ? <ErrorAlert error={items.error} onRetry={() => void items.refetch()} /> : null}
      {items.data?.items.length === 0 ? (
        <Card>
          <EmptyState icon={props.icon} title={t(`inboxSettings.${kind}.emptyTitle`)} body={t(`inboxSettings.${kind}.emptyBody`)} />
        </Card>
      ) : null}
      {items.data?.items.length ? (
        <Table label={t(`inboxSettings.${kind}.title`)}>
          <THead>
            <TR>
              {props.columns}
              {canManage ? <TH className="w-24 text-right">{t('inboxSettings.actions')}</TH> : null}
            </TR>
          </THead>
          <TBody>
            {items.data.items.map((item) => (
              <TR key={item.id} data-testid={props.rowTestId}>
                {props.cells(item)}
                {canManage ? (
                  <TD className="text-right whitespace-nowrap">
                    <Button variant="ghost" size="icon" aria-label={t(`inboxSettings.${kind}.edit`, named(item))} onClick={() => setEditing(item)}>
                      <Pencil className="size-4" aria-hidden />
                    </Button>
                    <Button variant="ghost" size="icon" aria-label={t(`inboxSettings.${kind}.remove`, named(item))} onClick={() => setRemoving(item)}>
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
          <props.Dialog
            item={editing}
            onClose={() => setEditing(null)}
            onSaved={(item, created) => {
              toast.success(t(created ? `inboxSettings.${kind}.createdToast` : `inboxSettings.${kind}.savedToast`, named(item)));
              void refresh();
            }}
          />
          <ConfirmDialog
            open={removing !== null}
            onOpenChange={(open) => !open && setRemoving(null)}
            title={removing ? t(`inboxSettings.${kind}.removeTitle`, named(removing)) : ''}
            description={t(`inboxSettings.${kind}.removeBody`)}
            confirmLabel={t('inboxSettings.remove')}
            onConfirm={async () => {
              if (!removing) return;
              try {
                await api.delete(`${props.path}/${removing.id}`);
                toast.success(t(`inboxSettings.${kind}.removedToast`, named(removing)));
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

/**
 * The create/edit dialog's state: the form's values (reset whenever it opens), client checks, the POST
 * or PATCH, and the server's answer spread over the fields. The caller renders the fields.
 */
function useItemForm<T extends { id: string }, V extends object>(options: {
  dialog: DialogProps<T>;
  path: string;
  empty: V;
  valuesOf: (item: T) => V;
  /** The failing fields with their messages; nothing is sent while any fails. */
  check: (values: V) => Record<string, string>;
  bodyOf: (values: V) => object;
}) {
  const { t } = useTranslation();
  const { item, onClose, onSaved } = options.dialog;
  const creating = item === 'new';
  const [values, setValues] = useState(options.empty);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  useEffect(() => {
    if (item === null) return;
    setValues(item === 'new' ? options.empty : options.valuesOf(item));
    form.clear();
  }, [item]);
  const submit = async () => {
    const problems = options.check(values);
    form.setFields(problems);
    if (Object.keys(problems).length) return;
    setBusy(true);
    try {
      const body = options.bodyOf(values);
      const saved = item === 'new' || item === null ? await api.post<T>(options.path, body) : await api.patch<T>(`${options.path}/${item.id}`, body);
      onSaved(saved, creating);
      onClose();
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };
  return { values, setValues, busy, form, creating, submit };
}

/** The dialog around an item's form: titles, the form-wide error, Cancel and Create/Save. */
function ItemDialog(props: { kind: Kind; open: boolean; state: Pick<ReturnType<typeof useItemForm>, 'busy' | 'form' | 'creating' | 'submit'>; onClose: () => void; size?: 'md' | 'lg'; children: ReactNode }) {
  const { t } = useTranslation();
  const { kind, state } = props;
  return (
    <Dialog
      open={props.open}
      onOpenChange={(open) => !open && !state.busy && props.onClose()}
      title={state.creating ? t(`inboxSettings.${kind}.createTitle`) : t(`inboxSettings.${kind}.editTitle`)}
      description={t(`inboxSettings.${kind}.dialogBody`)}
      {...(props.size ? { size: props.size } : {})}
      onSubmit={() => void state.submit()}
      footer={
        <>
          <Button variant="secondary" disabled={state.busy} onClick={props.onClose}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" loading={state.busy} loadingText={t('inboxSettings.saving')}>
            {state.creating ? t(`inboxSettings.${kind}.create`) : t('inboxSettings.save')}
          </Button>
        </>
      }
    >
      <div className="space-y-4">
        {state.form.errors.message ? <Alert tone="danger">{state.form.errors.message}</Alert> : null}
        {props.children}
      </div>
    </Dialog>
  );
}

function LabelsSection({ canManage }: { canManage: boolean }) {
  const { t } = useTranslation();
  return (
    <ItemsSection<InboxLabel>
      kind="labels"
      canManage={canManage}
      items={useLabels()}
      queryKey={LABELS_KEY}
      path="/api/v1/inbox/labels"
      icon={Tags}
      nameOf={(label) => label.name}
      rowTestId="label-row"
      columns={
        <>
          <TH>{t('inboxSettings.labels.name')}</TH>
          <TH className="hidden sm:table-cell">{t('inboxSettings.labels.keywords')}</TH>
        </>
      }
      cells={(label) => (
        <>
          <TD className="whitespace-nowrap">
            <LabelChip name={label.name} color={label.color} />
            <p className="mt-1 text-xs whitespace-normal text-muted sm:hidden">{label.keywords.join(' · ')}</p>
          </TD>
          <TD className="hidden text-[13px] text-muted sm:table-cell">{label.keywords.length ? label.keywords.join(' · ') : <span className="text-subtle">{t('inboxSettings.labels.noKeywords')}</span>}</TD>
        </>
      )}
      Dialog={LabelDialog}
    />
  );
}

function LabelDialog(props: DialogProps<InboxLabel>) {
  const { t } = useTranslation();
  const state = useItemForm({
    dialog: props,
    path: '/api/v1/inbox/labels',
    empty: { name: '', color: 'blue' as LabelColor, keywords: [] as string[] },
    valuesOf: (label) => ({ name: label.name, color: label.color as LabelColor, keywords: label.keywords }),
    check: (v): Record<string, string> => (v.name.trim() ? {} : { name: t('validation.required') }),
    bodyOf: (v) => ({ name: v.name.trim(), color: v.color, keywords: v.keywords }),
  });
  const { values, setValues, form } = state;
  return (
    <ItemDialog kind="labels" open={props.item !== null} state={state} onClose={props.onClose}>
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
    </ItemDialog>
  );
}

function QuickRepliesSection({ canManage }: { canManage: boolean }) {
  const { t } = useTranslation();
  return (
    <ItemsSection<QuickReply>
      kind="quick"
      canManage={canManage}
      items={useQuickReplies()}
      queryKey={QUICK_KEY}
      path="/api/v1/inbox/quick-replies"
      icon={MessageSquareText}
      nameOf={(reply) => reply.shortcut}
      rowTestId="quick-reply-row"
      columns={
        <>
          <TH className="w-40">{t('inboxSettings.quick.shortcut')}</TH>
          <TH>{t('inboxSettings.quick.text')}</TH>
        </>
      }
      cells={(reply) => (
        <>
          <TD className="font-mono text-[13px]">/{reply.shortcut}</TD>
          <TD className="text-[13px] whitespace-pre-wrap text-muted">{reply.body}</TD>
        </>
      )}
      Dialog={QuickReplyDialog}
    />
  );
}

function QuickReplyDialog(props: DialogProps<QuickReply>) {
  const { t } = useTranslation();
  const me = useSession();
  const state = useItemForm({
    dialog: props,
    path: '/api/v1/inbox/quick-replies',
    empty: { shortcut: '', body: '' },
    valuesOf: (reply) => ({ shortcut: reply.shortcut, body: reply.body }),
    check: (v) => ({
      ...(/^[\p{L}\p{N}_-]+$/u.test(v.shortcut.trim()) ? {} : { shortcut: t('inboxSettings.quick.shortcutRule') }),
      ...(v.body.trim() ? {} : { body: t('validation.required') }),
    }),
    bodyOf: (v) => ({ shortcut: v.shortcut.trim(), body: v.body.trim() }),
  });
  const { values, setValues, form } = state;
  const bodyRef = useRef<HTMLTextAreaElement>(null);
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
  return (
    <ItemDialog kind="quick" open={props.item !== null} state={state} onClose={props.onClose} size="lg">
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
    </ItemDialog>
  );
}
