import { clsx } from 'clsx';
import { AlertCircle, Check, CheckCheck, Clock, FileText, HelpCircle, Lock, Mic } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';
import { Dialog } from '../../ui/Dialog';
import type { Message } from './inbox.api';

/** Provider error codes a person can act on, said in plain words (the rest show the provider's text). */
const KNOWN_FAILURES = ['131026', '131047', '131049', '131048', '130429', '131056', '132000', '132012', 'channel_cannot_send', 'channel_unavailable', 'worker_lost', 'campaign_cancelled', 'campaign_gate'] as const;

function StatusIcon({ message }: { message: Message }) {
  const { t } = useTranslation();
  const label = t(`inboxUi.messageStatus.${message.status}`);
  const common = 'size-3.5 shrink-0';
  const icon = (() => {
    switch (message.status) {
      case 'queued':
      case 'sending':
        return <Clock className={common} aria-hidden />;
      case 'sent':
        return <Check className={common} aria-hidden />;
      case 'delivered':
        return <CheckCheck className={common} aria-hidden />;
      case 'read':
        return <CheckCheck className={clsx(common, 'text-[#0A84FF]')} aria-hidden />;
      case 'failed':
        return <AlertCircle className={clsx(common, 'text-danger')} aria-hidden />;
      case 'ambiguous':
        return <HelpCircle className={clsx(common, 'text-warning')} aria-hidden />;
      default:
        return null;
    }
  })();
  if (!icon) return null;
  return (
    <span className="inline-flex items-center" title={label} data-testid="message-status" data-status={message.status}>
      {icon}
      <span className="sr-only">{label}</span>
    </span>
  );
}

function Media({ message }: { message: Message }) {
  const { t } = useTranslation();
  const [viewing, setViewing] = useState<string | null>(null);
  return (
    <>
      {message.media.map((m, i) => {
        const kind = m.mimeType?.split('/')[0];
        const name = m.fileName ?? t('inboxUi.media.file');
        if (!m.url) return <p key={i} className="text-xs italic opacity-80">{t('inboxUi.media.pending', { name })}</p>;
        if (kind === 'image')
          return (
            <button key={i} type="button" onClick={() => setViewing(m.url)} className="focus-ring block overflow-hidden rounded-md" aria-label={t('inboxUi.media.open', { name })}>
              <img src={m.url} alt={m.caption ?? name} className="max-h-64 max-w-full object-cover" loading="lazy" />
            </button>
          );
        if (kind === 'audio')
          return (
            <div key={i} className="space-y-1">
              <div className="flex items-center gap-2">
                {m.voice ? <Mic className="size-4 shrink-0" aria-label={t('inboxUi.media.voice')} /> : null}
                <audio controls preload="none" src={m.url} className="h-9 max-w-full" />
              </div>
              {m.transcript ? (
                <p className="whitespace-pre-wrap text-sm italic opacity-90" data-testid="transcript">
                  <span className="sr-only">{t('inboxUi.media.transcript')}: </span>
                  {m.transcript}
                </p>
              ) : null}
            </div>
          );
        if (kind === 'video') return <video key={i} controls preload="metadata" src={m.url} className="max-h-64 max-w-full rounded-md" />;
        return (
          <a key={i} href={m.url} download={name} className="focus-ring flex items-center gap-2 rounded-md bg-black/5 px-2 py-1.5 text-sm underline-offset-2 hover:underline dark:bg-white/10">
            <FileText className="size-4 shrink-0" aria-hidden />
            <span className="truncate">{name}</span>
          </a>
        );
      })}
      <Dialog open={viewing !== null} onOpenChange={(open) => !open && setViewing(null)} title={t('inboxUi.media.viewer')} size="lg">
        {viewing ? <img src={viewing} alt="" className="mx-auto max-h-[75dvh] max-w-full object-contain" /> : null}
      </Dialog>
    </>
  );
}

/** One message. Everything a contact wrote is rendered as text: React escapes it, nothing is linkified. */
export function MessageBubble(props: { message: Message; replied: Message | null; authorName: (id: string) => string | undefined }) {
  const { t } = useTranslation();
  const { dateTime, locale } = useFormat();
  const { message: m } = props;
  const time = new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(m.createdAt));
  const failure: string | null = (() => {
    if (m.status !== 'failed' && m.status !== 'ambiguous') return null;
    const code = m.error?.code;
    if (code && (KNOWN_FAILURES as readonly string[]).includes(code)) return t(`inboxUi.failure.${code as (typeof KNOWN_FAILURES)[number]}`);
    if (m.status === 'ambiguous') return t('inboxUi.failure.ambiguous');
    return m.error?.message ?? t('inboxUi.failure.unknown');
  })();

  if (m.direction === 'note') {
    return (
      <li className="mx-auto w-full max-w-[85%] rounded-lg border border-amber-300/60 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:border-amber-400/30 dark:bg-amber-400/10 dark:text-amber-100" data-testid="message" data-direction="note">
        <p className="mb-1 flex items-center gap-1.5 text-[11px] font-semibold tracking-wide uppercase opacity-80">
          <Lock className="size-3" aria-hidden />
          {t('inboxUi.note')} · {(m.createdBy && props.authorName(m.createdBy)) ?? t('inboxUi.someone')}
        </p>
        <p className="break-words whitespace-pre-wrap">{m.body}</p>
        <p className="mt-1 text-right text-[11px] opacity-70" title={dateTime(m.createdAt)}>{time}</p>
      </li>
    );
  }
  const outbound = m.direction === 'outbound';
  return (
    <li className={clsx('flex', outbound ? 'justify-end' : 'justify-start')} data-testid="message" data-direction={m.direction} data-id={m.id}>
      <div className={clsx('max-w-[85%] rounded-2xl px-3 py-2 text-sm shadow-sm sm:max-w-[70%]', outbound ? 'rounded-br-md bg-primary-soft text-fg' : 'rounded-bl-md border border-border bg-surface')}>
        {props.replied ? (
          <p className="mb-1.5 line-clamp-2 border-l-2 border-link/60 pl-2 text-xs text-muted">{props.replied.body || t('inboxUi.media.file')}</p>
        ) : null}
        <div className="space-y-1.5">
          <Media message={m} />
          {m.template ? (
            <p className="text-xs text-muted">
              {t('inboxUi.templateSent', { name: m.template.name })}
              {m.template.parameters.length ? ` · ${m.template.parameters.join(' · ')}` : ''}
            </p>
          ) : null}
          {m.body ? <p className="break-words whitespace-pre-wrap" data-testid="message-body">{m.body}</p> : null}
        </div>
        <p className="mt-1 flex items-center justify-end gap-1 text-[11px] text-subtle">
          {outbound && m.createdBy ? <span className="truncate">{props.authorName(m.createdBy)}</span> : null}
          <span title={dateTime(m.createdAt)}>{time}</span>
          {outbound ? <StatusIcon message={m} /> : null}
        </p>
        {m.status === 'queued' && (m.error?.code === 'campaign_paused' || m.error?.code === 'campaign_window') ? (
          <p className="mt-1 flex items-start gap-1 text-xs text-muted" role="note" data-testid="held-by-campaign">
            <Clock className="mt-0.5 size-3.5 shrink-0" aria-hidden />
            {t(m.error.code === 'campaign_paused' ? 'inboxUi.heldByCampaign' : 'inboxUi.heldForWindow')}
          </p>
        ) : null}
        {failure ? (
          <p className="mt-1 flex items-start gap-1 text-xs text-danger" role="note">
            <AlertCircle className="mt-0.5 size-3.5 shrink-0" aria-hidden />
            {failure}
          </p>
        ) : null}
      </div>
    </li>
  );
}
