import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { Ban, Plus, Trash2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, query, type Page as ApiPage } from '../../../lib/api';
import { errorText, toFormErrors, useFormErrors } from '../../../lib/errors';
import { useFormat } from '../../../lib/format';
import { Badge } from '../../../ui/Badge';
import { Button } from '../../../ui/Button';
import { ConfirmDialog, FormDialog } from '../../../ui/Dialog';
import { EmptyState } from '../../../ui/EmptyState';
import { Field } from '../../../ui/Field';
import { Input } from '../../../ui/Input';
import { ListStates, LoadMore } from '../../../ui/ListStates';
import { Page } from '../../../ui/Page';
import { PageHeader } from '../../../ui/PageHeader';
import { ActionsTH, Table, TBody, TD, TH, THead, TR } from '../../../ui/Table';
import { useToast } from '../../../ui/Toast';
import { useCan } from '../../auth/session';
import { CONTACTS_KEY, contactsApi, type BlacklistEntry } from '../contacts.api';
import { useUserName } from '../ContactPage';
import { formatPhone } from '../phone';

const KEY = ['blacklist'] as const;

function useBlacklist() {
  return useInfiniteQuery({
    queryKey: KEY,
    queryFn: ({ pageParam, signal }) => api.get<ApiPage<BlacklistEntry>>(`/api/v1/blacklist${query({ limit: 50, cursor: pageParam })}`, signal),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
}

/** Numbers nobody may message (contacts or not): who added each and why. */
export function BlacklistPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const toast = useToast();
  const queryClient = useQueryClient();
  const canManage = useCan()('blacklist.manage');
  const userName = useUserName();
  const pages = useBlacklist();
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<BlacklistEntry | null>(null);
  const entries = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const refresh = () => Promise.all([queryClient.invalidateQueries({ queryKey: KEY }), queryClient.invalidateQueries({ queryKey: CONTACTS_KEY })]);
  const shown = (e: BlacklistEntry) => (e.phoneE164 ? formatPhone(e.phoneE164) : e.phone);
  // The server stores where an entry came from as 'manual', 'inbox:<user>' or 'inbound:<channel>'.
  const source = (s: string) => (s === 'manual' ? t('blacklist.sources.manual') : s.startsWith('inbox:') ? t('blacklist.sources.inbox') : s.startsWith('inbound:') ? t('blacklist.sources.inbound') : s);

  // Like every list: the button sits in the empty state until there are rows, then in the header.
  const addButton = canManage ? (
    <Button icon={<Plus className="size-4" aria-hidden />} onClick={() => setAdding(true)}>
      {t('blacklist.add')}
    </Button>
  ) : null;

  return (
    <Page wide>
      <PageHeader title={t('blacklist.title')} description={t('blacklist.subtitle')} actions={entries.length ? addButton : null} />
      <ListStates query={pages} items={entries} empty={<EmptyState icon={Ban} title={t('blacklist.emptyTitle')} body={t('blacklist.emptyBody')} action={addButton} />}>
        {(rows) => (
          <Table label={t('blacklist.title')}>
            <THead>
              <TR>
                <TH>{t('blacklist.phone')}</TH>
                <TH>{t('blacklist.reason')}</TH>
                <TH className="hidden md:table-cell">{t('blacklist.addedBy')}</TH>
                <TH className="hidden sm:table-cell">{t('blacklist.contacts')}</TH>
                {canManage ? <ActionsTH /> : null}
              </TR>
            </THead>
            <TBody>
              {rows.map((entry) => (
                <TR key={entry.phoneKey}>
                  <TD className="whitespace-nowrap">
                    <span className="font-medium tabular-nums" title={entry.phone}>
                      {shown(entry)}
                    </span>
                    <p className="text-xs text-subtle">
                      <time dateTime={entry.createdAt} title={fmt.dateTime(entry.createdAt)}>
                        {fmt.relative(entry.createdAt)}
                      </time>
                    </p>
                  </TD>
                  <TD className="max-w-72">
                    <p className="break-words">{entry.reason}</p>
                    <p className="text-xs text-subtle">{t('blacklist.sourceLabel', { source: source(entry.source) })}</p>
                  </TD>
                  <TD className="hidden text-muted md:table-cell">{entry.addedBy ? (userName(entry.addedBy) ?? t('contacts.anotherUser')) : t('blacklist.automatic')}</TD>
                  <TD className="hidden sm:table-cell">{entry.contactCount ? <Badge tone="neutral">{t('blacklist.contactCount', { count: entry.contactCount })}</Badge> : <span className="text-subtle">{t('blacklist.notAContact')}</span>}</TD>
                  {canManage ? (
                    <TD className="text-right">
                      <Button variant="ghost" size="icon" className="size-8" aria-label={t('blacklist.removeLabel', { phone: shown(entry) })} onClick={() => setRemoving(entry)}>
                        <Trash2 className="size-4" aria-hidden />
                      </Button>
                    </TD>
                  ) : null}
                </TR>
              ))}
            </TBody>
          </Table>
        )}
      </ListStates>
      <LoadMore query={pages} />
      {canManage ? (
        <>
          <AddDialog
            open={adding}
            onOpenChange={setAdding}
            onAdded={() => {
              toast.success(t('blacklist.addedToast'));
              void refresh();
            }}
          />
          <ConfirmDialog
            open={removing !== null}
            onOpenChange={(open) => !open && setRemoving(null)}
            title={t('blacklist.removeTitle', { phone: removing ? shown(removing) : '' })}
            description={t('blacklist.removeBody')}
            confirmLabel={t('blacklist.remove')}
            onConfirm={async () => {
              if (!removing) return;
              try {
                await contactsApi.unblock(removing.phoneKey);
                toast.success(t('blacklist.removedToast'));
                await refresh();
              } catch (error) {
                toast.error(errorText(error, t));
                throw error;
              }
            }}
          />
        </>
      ) : null}
    </Page>
  );
}

function AddDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; onAdded: () => void }) {
  const { t } = useTranslation();
  const [values, setValues] = useState({ phone: '', reason: '' });
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  useEffect(() => {
    if (props.open) {
      setValues({ phone: '', reason: '' });
      form.clear();
    }
  }, [props.open]);
  const submit = async () => {
    const fields: Record<string, string> = {};
    if (values.phone.trim().length < 3) fields.phone = t('validation.required');
    if (!values.reason.trim()) fields.reason = t('validation.required');
    form.setFields(fields);
    if (Object.keys(fields).length) return;
    setBusy(true);
    try {
      await contactsApi.block({ phone: values.phone.trim(), reason: values.reason.trim() });
      props.onAdded();
      props.onOpenChange(false);
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={t('blacklist.addTitle')}
      description={t('blacklist.addBody')}
      onSubmit={() => void submit()}
      busy={busy}
      submitLabel={t('blacklist.add')}
      tone="danger"
      error={form.errors.message}
    >
      <div className="space-y-4">
        <Field label={t('blacklist.phone')} hint={t('contacts.phoneHint')} error={form.field('phone')}>
          {(p) => <Input {...p} autoFocus type="tel" inputMode="tel" value={values.phone} onChange={(e) => setValues({ ...values, phone: e.target.value })} />}
        </Field>
        <Field label={t('blacklist.reason')} hint={t('blacklist.reasonHint')} error={form.field('reason')}>
          {(p) => <Input {...p} value={values.reason} onChange={(e) => setValues({ ...values, reason: e.target.value })} />}
        </Field>
      </div>
    </FormDialog>
  );
}
