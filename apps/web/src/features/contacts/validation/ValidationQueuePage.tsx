import { useQueryClient } from '@tanstack/react-query';
import { ChevronLeft, ChevronRight, ClipboardCheck, ExternalLink, StickyNote, ThumbsDown, ThumbsUp } from 'lucide-react';
import { useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { errorText } from '../../../lib/errors';
import { useFormat } from '../../../lib/format';
import { Alert } from '../../../ui/Alert';
import { Badge } from '../../../ui/Badge';
import { Button } from '../../../ui/Button';
import { Card, CardBody, CardHeader } from '../../../ui/Card';
import { FormDialog } from '../../../ui/Dialog';
import { EmptyState } from '../../../ui/EmptyState';
import { ErrorAlert } from '../../../ui/ErrorAlert';
import { Field } from '../../../ui/Field';
import { Textarea } from '../../../ui/Input';
import { Page } from '../../../ui/Page';
import { PageHeader } from '../../../ui/PageHeader';
import { LoadingBlock } from '../../../ui/Spinner';
import { useToast } from '../../../ui/Toast';
import { BlockedBadge, ConsentChips, PhoneText } from '../ContactBits';
import { CONTACTS_KEY, displayName, useContactFields, useScoringSettings, type Contact } from '../contacts.api';
import { ScoreExplanation } from '../ScoresCard';
import { QUEUE_KEY, reviewApi, useQueueStats, useValidationQueue } from './validation.api';

type Prompt = 'reject' | 'note' | null;

/** Keys that act on the prospect on screen; ignored while typing or while a dialog is open. */
const SHORTCUTS = [
  { key: 'A', labelKey: 'review.shortcuts.approve' },
  { key: 'R', labelKey: 'review.shortcuts.reject' },
  { key: 'N', labelKey: 'review.shortcuts.note' },
  { key: 'J', labelKey: 'review.shortcuts.next' },
  { key: 'K', labelKey: 'review.shortcuts.previous' },
] as const;

export function ValidationQueuePage() {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const queue = useValidationQueue();
  const stats = useQueueStats();
  const scoring = useScoringSettings();
  const [index, setIndex] = useState(0);
  // Decided here: hidden at once, without waiting for the queue to be re-read.
  const [decided, setDecided] = useState<ReadonlySet<string>>(new Set());
  const [prompt, setPrompt] = useState<Prompt>(null);
  const [busy, setBusy] = useState(false);
  const items = useMemo(() => (queue.data?.pages.flatMap((p) => p.items) ?? []).filter((c) => !decided.has(c.id)), [queue.data, decided]);
  const position = Math.min(index, Math.max(0, items.length - 1));
  const current: Contact | undefined = items[position];

  const { hasNextPage, isFetchingNextPage, fetchNextPage } = queue;
  useEffect(() => {
    if (hasNextPage && !isFetchingNextPage && items.length - position < 5) void fetchNextPage();
  }, [items.length, position, hasNextPage, isFetchingNextPage, fetchNextPage]);

  const afterDecision = (contact: Contact) => {
    setDecided((set) => new Set(set).add(contact.id));
    void queryClient.invalidateQueries({ queryKey: [...QUEUE_KEY, 'stats'] });
    void queryClient.invalidateQueries({ queryKey: CONTACTS_KEY });
  };
  const run = async (action: () => Promise<unknown>, done: () => void) => {
    setBusy(true);
    try {
      await action();
      done();
      return true;
    } catch (error) {
      toast.error(errorText(error, t));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const approve = () => {
    if (!current || busy) return;
    const contact = current;
    void run(
      () => reviewApi.approve(contact.id),
      () => {
        afterDecision(contact);
        toast.success(t('review.approvedToast', { name: displayName(contact) }));
      },
    );
  };

  const latest = useRef({ approve, current, prompt, busy, count: items.length });
  latest.current = { approve, current, prompt, busy, count: items.length };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const s = latest.current;
      if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.altKey || s.prompt) return;
      const target = event.target as HTMLElement | null;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      if (document.querySelector('[role="dialog"], [role="alertdialog"], [role="menu"]')) return;
      const key = event.key.toLowerCase();
      if (key === 'j') setIndex((i) => Math.min(i + 1, Math.max(0, s.count - 1)));
      else if (key === 'k') setIndex((i) => Math.max(0, Math.min(i, s.count - 1) - 1));
      else if (!s.current || s.busy) return;
      else if (key === 'a') s.approve();
      else if (key === 'r') setPrompt('reject');
      else if (key === 'n') setPrompt('note');
      else return;
      event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  return (
    <Page wide>
      <PageHeader
        title={t('review.queueTitle')}
        description={t('review.queueBody')}
        actions={stats.data ? <Badge tone="primary">{t('review.pendingCount', { count: stats.data.pending })}</Badge> : null}
      />
      <div className="grid gap-6 lg:grid-cols-[minmax(0,1fr)_18rem]">
        <div className="min-w-0">
          {queue.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
          {queue.isError ? <ErrorAlert error={queue.error} onRetry={() => void queue.refetch()} /> : null}
          {queue.isSuccess && !current && !isFetchingNextPage ? (
            <Card>
              <EmptyState icon={ClipboardCheck} title={t('review.emptyTitle')} body={t('review.emptyBody')} action={<Button asChild variant="secondary"><Link to="/contacts">{t('contacts.backToList')}</Link></Button>} />
            </Card>
          ) : null}
          {current ? (
            <Prospect
              key={current.id}
              contact={current}
              threshold={scoring.data?.threshold ?? 70}
              position={position}
              loaded={items.length}
              more={hasNextPage}
              busy={busy}
              onApprove={approve}
              onReject={() => setPrompt('reject')}
              onNote={() => setPrompt('note')}
              onPrevious={() => setIndex(Math.max(0, position - 1))}
              onNext={() => setIndex(Math.min(items.length - 1, position + 1))}
            />
          ) : null}
        </div>
        <aside className="space-y-6">
          <Card>
            <CardHeader title={t('review.shortcuts.title')} />
            <CardBody>
              <ul className="space-y-2 text-[13px]" data-testid="shortcuts">
                {SHORTCUTS.map((s) => (
                  <li key={s.key} className="flex items-center gap-3">
                    <kbd className="inline-flex size-6 items-center justify-center rounded border border-border-strong bg-surface-2 font-mono text-xs font-semibold shadow-xs">{s.key}</kbd>
                    <span className="text-muted">{t(s.labelKey)}</span>
                  </li>
                ))}
              </ul>
            </CardBody>
          </Card>
          <ReviewerStats />
        </aside>
      </div>
      <TextPrompt
        open={prompt !== null}
        kind={prompt ?? 'note'}
        name={current ? displayName(current) : ''}
        onOpenChange={(open) => !open && setPrompt(null)}
        onSubmit={async (text) => {
          if (!current) return false;
          const contact = current;
          return prompt === 'reject'
            ? run(
                () => reviewApi.reject(contact.id, text),
                () => {
                  afterDecision(contact);
                  toast.success(t('review.rejectedToast', { name: displayName(contact) }));
                },
              )
            : run(
                () => reviewApi.note(contact.id, text),
                () => toast.success(t('review.notedToast')),
              );
        }}
      />
    </Page>
  );
}

function Prospect(props: {
  contact: Contact;
  threshold: number;
  position: number;
  loaded: number;
  more: boolean;
  busy: boolean;
  onApprove: () => void;
  onReject: () => void;
  onNote: () => void;
  onPrevious: () => void;
  onNext: () => void;
}) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const fields = useContactFields();
  const { contact } = props;
  const attrs = Object.entries(contact.attributes);
  const fieldLabel = (key: string) => fields.data?.find((f) => f.key === key)?.label ?? key;
  const row = (label: string, value: ReactNode, key?: string) => (
    <div key={key} className="flex flex-col gap-0.5 sm:flex-row sm:gap-3">
      <dt className="w-32 shrink-0 text-muted">{label}</dt>
      <dd className="min-w-0 break-words">{value}</dd>
    </div>
  );
  return (
    <Card>
      <div className="flex flex-wrap items-start justify-between gap-3 border-b border-border px-5 py-4">
        <div className="min-w-0">
          <p className="text-xs text-subtle" aria-live="polite">
            {t('review.position', { n: props.position + 1, total: props.loaded })}
            {props.more ? '+' : ''}
          </p>
          <h2 className="truncate text-lg font-semibold" data-testid="prospect-name">
            {displayName(contact)}
          </h2>
          {contact.company && contact.company !== displayName(contact) ? <p className="text-sm text-muted">{contact.company}</p> : null}
        </div>
        <div className="flex items-center gap-1">
          <Button variant="ghost" size="icon" aria-label={t('review.shortcuts.previous')} disabled={props.position === 0} onClick={props.onPrevious}>
            <ChevronLeft className="size-4" aria-hidden />
          </Button>
          <Button variant="ghost" size="icon" aria-label={t('review.shortcuts.next')} disabled={props.position >= props.loaded - 1} onClick={props.onNext}>
            <ChevronRight className="size-4" aria-hidden />
          </Button>
          <Button asChild variant="ghost" size="icon" aria-label={t('review.openContact')}>
            <Link to={`/contacts/${contact.id}`}>
              <ExternalLink className="size-4" aria-hidden />
            </Link>
          </Button>
        </div>
      </div>
      <CardBody className="space-y-5">
        {contact.blacklisted ? <Alert tone="danger">{t('contacts.blockedBody')}</Alert> : null}
        <dl className="space-y-2 text-sm">
          {row(t('contacts.fields.phone'), <span className="inline-flex flex-wrap items-center gap-2"><PhoneText contact={contact} />{contact.phoneType ? <Badge>{t('review.phoneType', { type: t(`contacts.phoneTypes.${contact.phoneType}` as 'contacts.phoneTypes.mobile', { defaultValue: contact.phoneType }) })}</Badge> : null}{contact.blacklisted ? <BlockedBadge /> : null}</span>)}
          {row(t('contacts.fields.email'), contact.email ?? '—')}
          {row(t('contacts.fields.website'), contact.website ? <a className="text-link hover:underline" href={/^https?:\/\//.test(contact.website) ? contact.website : `https://${contact.website}`} target="_blank" rel="noreferrer noopener">{contact.website}</a> : '—')}
          {row(t('contacts.fields.address'), contact.address ?? '—')}
          {row(t('contacts.fields.tags'), contact.tags.length ? contact.tags.join(', ') : '—')}
          {row(t('contacts.fields.consent'), <ConsentChips consent={contact.consent} />)}
          {row(t('contacts.reachability'), `${t('consent.channels.whatsapp')}: ${t(`contacts.reach.${contact.reachability.whatsapp}`)} · ${t('consent.channels.imessage')}: ${t(`contacts.reach.${contact.reachability.imessage}`)}`)}
          {attrs.map(([key, value]) => row(fieldLabel(key), String(value), key))}
          {row(t('contacts.fields.source'), `${contact.source || '—'} · ${fmt.date(contact.createdAt)}`)}
        </dl>
        <div className="border-t border-border pt-4">
          <ScoreExplanation contact={contact} threshold={props.threshold} compact />
        </div>
      </CardBody>
      <div className="flex flex-wrap gap-2 border-t border-border px-5 py-3">
        <Button icon={<ThumbsUp className="size-4" aria-hidden />} disabled={props.busy} onClick={props.onApprove}>
          {t('review.approve')} <kbd className="ml-1 rounded bg-white/20 px-1 font-mono text-[11px]">A</kbd>
        </Button>
        <Button variant="secondary" icon={<ThumbsDown className="size-4 text-danger" aria-hidden />} disabled={props.busy} onClick={props.onReject}>
          {t('review.reject')} <kbd className="ml-1 rounded bg-surface-2 px-1 font-mono text-[11px]">R</kbd>
        </Button>
        <Button variant="ghost" icon={<StickyNote className="size-4" aria-hidden />} disabled={props.busy} onClick={props.onNote}>
          {t('review.note')} <kbd className="ml-1 rounded bg-surface-2 px-1 font-mono text-[11px]">N</kbd>
        </Button>
      </div>
    </Card>
  );
}

function TextPrompt(props: { open: boolean; kind: 'reject' | 'note'; name: string; onOpenChange: (open: boolean) => void; onSubmit: (text: string) => Promise<boolean> }) {
  const { t } = useTranslation();
  const [text, setText] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (props.open) {
      setText('');
      setError(undefined);
    }
  }, [props.open]);
  const reject = props.kind === 'reject';
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={reject ? t('review.rejectTitle', { name: props.name }) : t('review.noteTitle', { name: props.name })}
      description={reject ? t('review.rejectBody') : t('review.noteBody')}
      onSubmit={async () => {
        if (!text.trim()) return setError(t('validation.required'));
        setBusy(true);
        const ok = await props.onSubmit(text.trim());
        setBusy(false);
        if (ok) props.onOpenChange(false);
      }}
      busy={busy}
      submitLabel={reject ? t('review.reject') : t('review.saveNote')}
      tone={reject ? 'danger' : 'primary'}
    >
      <Field label={reject ? t('review.reason') : t('review.note')} error={error}>
        {(p) => (
          <Textarea
            {...p}
            autoFocus
            value={text}
            onChange={(e) => setText(e.target.value)}
            onKeyDown={(e) => {
              // Ctrl/Cmd+Enter submits without leaving the keyboard.
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) e.currentTarget.form?.requestSubmit();
            }}
          />
        )}
      </Field>
    </FormDialog>
  );
}

function ReviewerStats() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const stats = useQueueStats();
  return (
    <Card>
      <CardHeader title={t('review.statsTitle')} />
      <CardBody className="space-y-3 text-[13px]">
        {stats.isError ? <ErrorAlert error={stats.error} onRetry={() => void stats.refetch()} /> : null}
        {stats.data ? (
          <>
            <dl className="grid grid-cols-2 gap-2">
              <div className="rounded-md bg-surface-2 px-3 py-2">
                <dt className="text-xs text-muted">{t('review.pending')}</dt>
                <dd className="text-lg font-semibold tabular-nums">{fmt.number(stats.data.pending)}</dd>
              </div>
              <div className="rounded-md bg-surface-2 px-3 py-2">
                <dt className="text-xs text-muted">{t('review.approvedToday')}</dt>
                <dd className="text-lg font-semibold text-success tabular-nums">{fmt.number(stats.data.approvedToday)}</dd>
              </div>
            </dl>
            {stats.data.reviewers.length ? (
              <table className="w-full text-left" aria-label={t('review.reviewers')}>
                <thead className="text-xs text-muted">
                  <tr>
                    <th scope="col" className="py-1 font-medium">{t('review.reviewer')}</th>
                    <th scope="col" className="py-1 text-right font-medium">{t('review.approvedShort')}</th>
                    <th scope="col" className="py-1 text-right font-medium">{t('review.rejectedShort')}</th>
                  </tr>
                </thead>
                <tbody>
                  {stats.data.reviewers.map((r) => (
                    <tr key={r.userId} className="border-t border-border">
                      <td className="max-w-32 truncate py-1.5">{r.name}</td>
                      <td className="py-1.5 text-right tabular-nums">{fmt.number(r.approved)}</td>
                      <td className="py-1.5 text-right tabular-nums">{fmt.number(r.rejected)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : (
              <p className="text-muted">{t('review.noReviewsYet')}</p>
            )}
          </>
        ) : null}
      </CardBody>
    </Card>
  );
}
