import { ExternalLink } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Spinner } from '../../ui/Spinner';
import { useCan } from '../auth/session';
import { ContactAppointments } from '../calendar/ContactAppointments';
import { BlockedBadge, ConsentChips, PhoneText, ValidationBadge } from '../contacts/ContactBits';
import { ScoreExplanation } from '../contacts/ScoresCard';
import { useContact, useScoringSettings } from '../contacts/contacts.api';

/** The contact beside the thread: upcoming appointments, scores with their reasons, consent, blocklist, tags, attributes. */
export function ContactPanel({ contactId, conversationId }: { contactId: string; conversationId?: string }) {
  const { t } = useTranslation();
  const can = useCan();
  const contact = useContact(contactId);
  const scoring = useScoringSettings();
  if (!can('contacts.read')) return <p className="p-4 text-sm text-muted">{t('inboxUi.panel.noAccess')}</p>;
  if (contact.isError) return <ErrorAlert error={contact.error} className="m-3" />;
  const c = contact.data;
  if (!c) return <div className="p-4"><Spinner label={t('inboxUi.loading')} /></div>;
  const attributes = Object.entries(c.attributes ?? {});
  const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
  return (
    <div className="space-y-4 overflow-y-auto p-4 text-sm" data-testid="contact-panel">
      <div>
        {name ? <p className="font-semibold">{name}</p> : <p className="font-semibold text-muted">{t('inboxUi.panel.noName')}</p>}
        {c.company ? <p className="text-muted">{c.company}</p> : null}
        <PhoneText contact={c} className="text-muted" />
        {c.email ? <p className="truncate text-muted">{c.email}</p> : null}
        <div className="mt-2 flex flex-wrap gap-1.5">
          <ValidationBadge contact={c} />
          {c.blacklisted ? <BlockedBadge /> : null}
        </div>
      </div>
      {can('calendar.read') ? <ContactAppointments contactId={c.id} contactName={name || (c.phone ?? '')} conversationId={conversationId} /> : null}
      <section aria-labelledby="panel-scores">
        <h3 id="panel-scores" className="mb-2 text-xs font-semibold tracking-wide text-subtle uppercase">{t('inboxUi.panel.scores')}</h3>
        {/* One score under the other: the panel is narrow at any screen width. */}
        <div className="[&>div]:grid-cols-1!">
          <ScoreExplanation contact={c} threshold={scoring.data?.threshold ?? 70} compact />
        </div>
      </section>
      <section aria-labelledby="panel-consent">
        <h3 id="panel-consent" className="mb-2 text-xs font-semibold tracking-wide text-subtle uppercase">{t('inboxUi.panel.consent')}</h3>
        <ConsentChips consent={c.consent} />
      </section>
      {c.tags.length ? (
        <section aria-labelledby="panel-tags">
          <h3 id="panel-tags" className="mb-2 text-xs font-semibold tracking-wide text-subtle uppercase">{t('inboxUi.panel.tags')}</h3>
          <div className="flex flex-wrap gap-1">
            {c.tags.map((tag) => (
              <span key={tag} className="rounded-full bg-hover px-2 py-0.5 text-xs">{tag}</span>
            ))}
          </div>
        </section>
      ) : null}
      {attributes.length ? (
        <section aria-labelledby="panel-attributes">
          <h3 id="panel-attributes" className="mb-2 text-xs font-semibold tracking-wide text-subtle uppercase">{t('inboxUi.panel.attributes')}</h3>
          <dl className="space-y-1">
            {attributes.map(([key, value]) => (
              <div key={key} className="flex gap-2">
                <dt className="shrink-0 text-muted">{key}</dt>
                <dd className="min-w-0 truncate">{typeof value === 'string' ? value : JSON.stringify(value)}</dd>
              </div>
            ))}
          </dl>
        </section>
      ) : null}
      <Link to={`/contacts/${c.id}`} className="focus-ring inline-flex items-center gap-1 text-link hover:underline">
        {t('inboxUi.panel.open')}
        <ExternalLink className="size-3.5" aria-hidden />
      </Link>
    </div>
  );
}
