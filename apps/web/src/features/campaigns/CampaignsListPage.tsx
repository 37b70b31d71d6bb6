import { Megaphone, Plus } from 'lucide-react';
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
import { ratio, statusTone, useCampaigns } from './campaigns.api';

/** Every campaign with its status and headline rates; newest first. */
export function CampaignsListPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const can = useCan();
  const campaigns = useCampaigns();
  const percent = (value: number | null) => (value === null ? '—' : `${Math.round(value * 100)}%`);
  const createButton = can('campaigns.manage') ? (
    <Link to="/campaigns/new" className={buttonClass('primary')}>
      <Plus className="size-4" aria-hidden />
      {t('campaignsUi.create')}
    </Link>
  ) : null;
  return (
    <Page wide>
      <PageHeader title={t('campaignsUi.title')} description={t('campaignsUi.subtitle')} actions={campaigns.data?.length ? createButton : null} />
      <ListStates query={campaigns} items={campaigns.data} empty={<EmptyState icon={Megaphone} title={t('campaignsUi.emptyTitle')} body={t('campaignsUi.emptyBody')} action={createButton} />}>
        {(rows) => (
          <Table label={t('campaignsUi.title')}>
            <THead>
              <TR>
                <TH>{t('campaignsUi.columns.name')}</TH>
                <TH>{t('campaignsUi.columns.status')}</TH>
                <TH className="hidden text-right md:table-cell">{t('campaignsUi.columns.recipients')}</TH>
                <TH className="hidden text-right sm:table-cell">{t('campaignsUi.columns.delivered')}</TH>
                <TH className="hidden text-right lg:table-cell">{t('campaignsUi.columns.read')}</TH>
                <TH className="hidden text-right lg:table-cell">{t('campaignsUi.columns.replied')}</TH>
                <TH className="hidden md:table-cell">{t('campaignsUi.columns.created')}</TH>
                <ActionsTH className="hidden w-10 sm:table-cell" />
              </TR>
            </THead>
            <TBody>
              {rows.map((c) => (
                <TR key={c.id} data-testid="campaign-row" linked>
                  <TD className="max-w-[12rem] sm:max-w-none">
                    <RowLink to={`/campaigns/${c.id}`} label={t('campaignsUi.open', { name: c.name })}>
                      {c.name}
                    </RowLink>
                    <p className="truncate text-xs text-muted sm:hidden">
                      {t('campaignsUi.columns.delivered')}: {percent(ratio(c.stats.delivered, c.stats.sent))}
                    </p>
                  </TD>
                  <TD>
                    <Badge tone={statusTone(c.status)} dot>
                      {t(`campaignsUi.status.${c.status}`)}
                    </Badge>
                  </TD>
                  <TD className="hidden text-right tabular-nums md:table-cell">{fmt.number(c.stats.total)}</TD>
                  <TD className="hidden text-right tabular-nums sm:table-cell">{percent(ratio(c.stats.delivered, c.stats.sent))}</TD>
                  <TD className="hidden text-right tabular-nums lg:table-cell">{percent(ratio(c.stats.read, c.stats.sent))}</TD>
                  <TD className="hidden text-right tabular-nums lg:table-cell">{percent(ratio(c.stats.replied, c.stats.sent))}</TD>
                  <TD className="hidden whitespace-nowrap text-muted md:table-cell">
                    <time dateTime={c.createdAt}>{fmt.date(c.createdAt)}</time>
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
