import { FileText, Plus } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useFormat } from '../../lib/format';
import { Badge } from '../../ui/Badge';
import { buttonClass } from '../../ui/Button';
import { EmptyState } from '../../ui/EmptyState';
import { ListStates } from '../../ui/ListStates';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { ActionsTH, ChevronTD, RowLink, Table, TBody, TD, TH, THead, TR } from '../../ui/Table';
import { useCan } from '../auth/session';
import { useMessageTemplates } from './campaigns.api';

/** The message templates campaigns send. */
export function TemplatesListPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const can = useCan();
  const templates = useMessageTemplates();
  const createButton = can('templates.manage') ? (
    <Link to="/campaigns/templates/new" className={buttonClass('primary')}>
      <Plus className="size-4" aria-hidden />
      {t('campaignsUi.templates.create')}
    </Link>
  ) : null;
  return (
    <Page wide>
      <PageHeader title={t('campaignsUi.templates.title')} description={t('campaignsUi.templates.subtitle')} actions={templates.data?.length ? createButton : null} />
      <ListStates
        query={templates}
        items={templates.data}
        empty={<EmptyState icon={FileText} title={t('campaignsUi.templates.emptyTitle')} body={t('campaignsUi.templates.emptyBody', { example: '{{firstName}}' })} action={createButton} />}
      >
        {(rows) => (
          <Table label={t('campaignsUi.templates.title')}>
            <THead>
              <TR>
                <TH>{t('campaignsUi.templates.columns.name')}</TH>
                <TH className="hidden md:table-cell">{t('campaignsUi.templates.columns.body')}</TH>
                <TH className="hidden sm:table-cell">{t('campaignsUi.templates.columns.whatsapp')}</TH>
                <TH className="hidden lg:table-cell">{t('campaignsUi.templates.columns.updated')}</TH>
                <ActionsTH className="hidden w-10 sm:table-cell" />
              </TR>
            </THead>
            <TBody>
              {rows.map((tpl) => (
                <TR key={tpl.id} data-testid="template-row" linked>
                  <TD className="max-w-[14rem] sm:max-w-[18rem]">
                    <RowLink to={`/campaigns/templates/${tpl.id}`} label={t('campaignsUi.templates.open', { name: tpl.name })}>
                      {tpl.name}
                    </RowLink>
                    <p className="truncate text-xs text-muted md:hidden">{tpl.body}</p>
                  </TD>
                  <TD className="hidden max-w-[28rem] md:table-cell">
                    <p className="truncate text-muted">{tpl.body || t('campaignsUi.templates.none')}</p>
                  </TD>
                  <TD className="hidden sm:table-cell">
                    {tpl.whatsappTemplate ? <Badge tone="success">{t('campaignsUi.templates.mappedTo', { name: tpl.whatsappTemplate.name, language: tpl.whatsappTemplate.language })}</Badge> : <span className="text-subtle">{t('campaignsUi.templates.whatsappNone')}</span>}
                  </TD>
                  <TD className="hidden whitespace-nowrap text-muted lg:table-cell">
                    <time dateTime={tpl.updatedAt}>{fmt.date(tpl.updatedAt)}</time>
                  </TD>
                  <ChevronTD />
                </TR>
              ))}
            </TBody>
          </Table>
        )}
      </ListStates>
    </Page>
  );
}
