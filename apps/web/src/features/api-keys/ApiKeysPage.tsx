import type { ApiKey } from '@leadmaster/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { KeyRound, Plus } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../lib/errors';
import { useFormat } from '../../lib/format';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { ConfirmDialog } from '../../ui/Dialog';
import { EmptyState } from '../../ui/EmptyState';
import { ListStates } from '../../ui/ListStates';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { ActionsTH, Table, TBody, TD, TH, THead, TR } from '../../ui/Table';
import { useToast } from '../../ui/Toast';
import { useCan } from '../auth/session';
import { usePermissionLabels } from '../roles/PermissionPicker';
import { usePermissionCatalogue } from '../roles/roles.api';
import { useAllUsers } from '../users/users.api';
import { API_KEYS_KEY, apiKeysApi, useApiKeys } from './api-keys.api';
import { CreateApiKeyDialog } from './CreateApiKeyDialog';

export function ApiKeysPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const toast = useToast();
  const queryClient = useQueryClient();
  const keys = useApiKeys();
  const catalogue = usePermissionCatalogue();
  const users = useAllUsers(useCan()('users.read'));
  const labels = usePermissionLabels();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<ApiKey | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: API_KEYS_KEY });
  const userName = (id: string) => users.data?.find((u) => u.id === id)?.name;

  const createButton = (
    <Button icon={<Plus className="size-4" aria-hidden />} disabled={!catalogue.data} onClick={() => setCreating(true)}>
      {t('apiKeys.create')}
    </Button>
  );
  return (
    <Page wide>
      <PageHeader title={t('apiKeys.title')} description={t('apiKeys.subtitle')} actions={keys.data?.length ? createButton : null} />
      <ListStates query={keys} items={keys.data} empty={<EmptyState icon={KeyRound} title={t('apiKeys.emptyTitle')} body={t('apiKeys.emptyBody')} action={createButton} />}>
        {(rows) => (
          <Table label={t('apiKeys.title')}>
            <THead>
              <TR>
                <TH>{t('apiKeys.name')}</TH>
                <TH className="hidden sm:table-cell">{t('apiKeys.permissions')}</TH>
                <TH className="hidden md:table-cell">{t('apiKeys.created')}</TH>
                <TH className="hidden sm:table-cell">{t('apiKeys.lastUsed')}</TH>
                <TH>{t('apiKeys.status')}</TH>
                <ActionsTH className="w-24" />
              </TR>
            </THead>
            <TBody>
              {rows.map((key) => (
                <TR key={key.id} className={key.revokedAt ? 'opacity-60' : undefined}>
                  <TD>
                    <p className="font-medium">{key.name}</p>
                    <p className="font-mono text-xs whitespace-nowrap text-muted">{key.prefix}</p>
                  </TD>
                  <TD className="hidden whitespace-nowrap sm:table-cell">
                    <span title={key.permissions.map(labels.permission).join('\n')} className="text-muted">
                      {t('roles.permissionCount', { count: key.permissions.length })}
                    </span>
                  </TD>
                  <TD className="hidden whitespace-nowrap text-muted md:table-cell">
                    <time dateTime={key.createdAt}>{fmt.date(key.createdAt)}</time>
                    {userName(key.createdBy) ? <p className="text-xs text-subtle">{userName(key.createdBy)}</p> : null}
                  </TD>
                  <TD className="hidden whitespace-nowrap text-muted sm:table-cell">
                    {key.lastUsedAt ? <time dateTime={key.lastUsedAt} title={fmt.dateTime(key.lastUsedAt)}>{fmt.relative(key.lastUsedAt)}</time> : t('common.never')}
                  </TD>
                  <TD>
                    <Badge tone={key.revokedAt ? 'neutral' : 'success'} dot>
                      {key.revokedAt ? t('apiKeys.revoked') : t('apiKeys.active')}
                    </Badge>
                  </TD>
                  <TD className="text-right">
                    {key.revokedAt ? null : (
                      <Button variant="ghost" size="sm" className="text-danger hover:text-danger" aria-label={`${t('apiKeys.revoke')}: ${key.name}`} onClick={() => setRevoking(key)}>
                        {t('apiKeys.revoke')}
                      </Button>
                    )}
                  </TD>
                </TR>
              ))}
            </TBody>
          </Table>
        )}
      </ListStates>
      {catalogue.data ? (
        <CreateApiKeyDialog open={creating} onOpenChange={setCreating} catalogue={catalogue.data} onCreated={() => void refresh()} />
      ) : null}
      <ConfirmDialog
        open={revoking !== null}
        onOpenChange={(open) => !open && setRevoking(null)}
        title={t('apiKeys.revokeTitle', { name: revoking?.name ?? '' })}
        description={t('apiKeys.revokeBody')}
        confirmLabel={t('apiKeys.revoke')}
        onConfirm={async () => {
          if (!revoking) return;
          try {
            await apiKeysApi.revoke(revoking.id);
            toast.success(t('apiKeys.revokedToast'));
            await refresh();
          } catch (error) {
            toast.error(errorText(error, t));
            throw error;
          }
        }}
      />
    </Page>
  );
}
