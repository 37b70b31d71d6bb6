import type { AuditEvent } from '@leadmaster/contracts';
import { clsx } from 'clsx';
import { ChevronDown, ChevronRight } from 'lucide-react';
import { Fragment, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';
import { Badge } from '../../ui/Badge';
import { Table, TBody, TD, TH, THead, TR } from '../../ui/Table';

/** "user.role_changed" → "Changed role"; actions this app does not know yet keep their code. */
export function useActionLabel() {
  const { t } = useTranslation();
  return (action: string) => t(`audit.actions.${action}` as 'audit.actions.auth.login', { defaultValue: action });
}

export function AuditTable({ events, userName }: { events: AuditEvent[]; userName: (id: string) => string | undefined }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const actionLabel = useActionLabel();
  const [open, setOpen] = useState<string | null>(null);

  const actor = (event: AuditEvent) => {
    if (event.actorType === 'api_key') return `${t('audit.apiKey')}: ${event.actorLabel ?? event.actorId ?? ''}`;
    if (event.actorType === 'system') return t('audit.system');
    // The server records the setup wizard's actor under a fixed English label; say it in the reader's language.
    if (event.actorType === 'anonymous' && event.actorLabel === 'first-run setup') return t('audit.firstRunSetup');
    return (event.actorId ? userName(event.actorId) : undefined) ?? event.actorLabel ?? t('audit.anonymous');
  };

  return (
    <Table label={t('audit.title')}>
      <THead>
        <TR>
          <TH className="w-8">
            <span className="sr-only">{t('audit.details')}</span>
          </TH>
          <TH>{t('audit.when')}</TH>
          <TH className="hidden sm:table-cell">{t('audit.actor')}</TH>
          <TH>{t('audit.action')}</TH>
          <TH className="hidden md:table-cell">{t('audit.outcome')}</TH>
          <TH className="hidden lg:table-cell">{t('audit.ip')}</TH>
        </TR>
      </THead>
      <TBody>
        {events.map((event) => {
          const failed = event.outcome === 'failure';
          const expanded = open === event.id;
          return (
            <Fragment key={event.id}>
              <TR className={clsx(failed && 'bg-danger-soft/40')} data-outcome={event.outcome}>
                <TD className="pr-0">
                  <button
                    type="button"
                    className="focus-ring flex size-6 items-center justify-center rounded text-subtle hover:text-fg"
                    aria-expanded={expanded}
                    aria-label={expanded ? t('audit.hideDetails') : t('audit.showDetails')}
                    onClick={() => setOpen(expanded ? null : event.id)}
                  >
                    {expanded ? <ChevronDown className="size-4" aria-hidden /> : <ChevronRight className="size-4" aria-hidden />}
                  </button>
                </TD>
                <TD className="whitespace-nowrap">
                  <time dateTime={event.at} title={fmt.dateTime(event.at)}>
                    {fmt.dateTime(event.at)}
                  </time>
                  <p className="text-xs text-subtle">{fmt.relative(event.at)}</p>
                  {/* On a phone the actor column is folded in here, so the action stays in view. */}
                  <p className="max-w-36 truncate text-xs text-muted sm:hidden">{actor(event)}</p>
                </TD>
                <TD className="hidden max-w-48 truncate sm:table-cell">{actor(event)}</TD>
                <TD>
                  <p className={clsx('font-medium', failed && 'text-danger')}>{actionLabel(event.action)}</p>
                  <p className="font-mono text-xs text-subtle">{event.action}</p>
                </TD>
                <TD className="hidden md:table-cell">
                  <Badge tone={failed ? 'danger' : 'success'} dot>
                    {failed ? t('audit.failure') : t('audit.success')}
                  </Badge>
                </TD>
                <TD className="hidden font-mono text-xs whitespace-nowrap text-muted lg:table-cell">{event.ip ?? '—'}</TD>
              </TR>
              {expanded ? (
                <TR>
                  <TD />
                  <TD colSpan={5} className="pt-0">
                    <dl className="grid gap-x-6 gap-y-2 rounded-md bg-surface-2 p-3 text-[13px] sm:grid-cols-[auto_1fr]">
                      {event.targetType ? (
                        <>
                          <dt className="text-muted">{t('audit.target')}</dt>
                          <dd className="font-mono text-xs break-all">
                            {event.targetType} {event.targetId}
                          </dd>
                        </>
                      ) : null}
                      <dt className="text-muted">{t('audit.ip')}</dt>
                      <dd className="font-mono text-xs">{event.ip ?? '—'}</dd>
                      <dt className="text-muted">{t('audit.userAgent')}</dt>
                      <dd className="text-xs break-all">{event.userAgent ?? '—'}</dd>
                      {Object.keys(event.details).length ? (
                        <>
                          <dt className="text-muted">{t('audit.details')}</dt>
                          <dd>
                            <pre className="overflow-x-auto font-mono text-xs whitespace-pre-wrap">{JSON.stringify(event.details, null, 2)}</pre>
                          </dd>
                        </>
                      ) : null}
                    </dl>
                  </TD>
                </TR>
              ) : null}
            </Fragment>
          );
        })}
      </TBody>
    </Table>
  );
}
