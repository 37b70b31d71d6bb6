import type { Role } from '@leadmaster/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { Eye, Lock, Pencil, Plus, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../lib/errors';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { ConfirmDialog } from '../../ui/Dialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { LoadingBlock } from '../../ui/Spinner';
import { useToast } from '../../ui/Toast';
import { useCan } from '../auth/session';
import { RoleDialog, type RoleDialogState } from './RoleDialog';
import { useRoleDescription, useRoleLabel } from './RoleName';
import { ROLES_KEY, rolesApi, usePermissionCatalogue, useRoles } from './roles.api';

export function RolesPage() {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const canManage = useCan()('roles.manage');
  const roles = useRoles();
  const catalogue = usePermissionCatalogue();
  const roleLabel = useRoleLabel();
  const roleDescription = useRoleDescription();
  const [dialog, setDialog] = useState<RoleDialogState>(null);
  const [deleting, setDeleting] = useState<Role | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ROLES_KEY });

  const error = roles.error ?? catalogue.error;
  return (
    <Page>
      <PageHeader
        title={t('roles.title')}
        description={t('roles.subtitle')}
        actions={
          canManage ? (
            <Button icon={<Plus className="size-4" aria-hidden />} disabled={!catalogue.data} onClick={() => setDialog({ mode: 'create' })}>
              {t('roles.create')}
            </Button>
          ) : null
        }
      />
      {roles.isPending || catalogue.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
      {error ? <ErrorAlert error={error} onRetry={() => void Promise.all([roles.refetch(), catalogue.refetch()])} /> : null}
      {roles.data && catalogue.data ? (
        <ul className="divide-y divide-border overflow-hidden rounded-lg border border-border bg-surface" aria-label={t('roles.title')}>
          {roles.data.map((role) => {
            const editable = canManage && !role.builtin;
            return (
              <li key={role.id} className="flex flex-col gap-3 px-4 py-3.5 sm:flex-row sm:items-center">
                <div className="min-w-0 flex-1">
                  <div className="flex flex-wrap items-center gap-2">
                    <span className="font-medium">{roleLabel(role)}</span>
                    {role.builtin ? (
                      <Badge>
                        <Lock className="size-3" aria-hidden />
                        {t('roles.builtin')}
                      </Badge>
                    ) : (
                      <Badge tone="primary">{t('roles.custom')}</Badge>
                    )}
                  </div>
                  {roleDescription(role) ? <p className="mt-0.5 text-[13px] text-muted">{roleDescription(role)}</p> : null}
                  <p className="mt-1 text-xs text-subtle">
                    {t('roles.userCount', { count: role.userCount })} · {t('roles.permissionCount', { count: role.permissions.length })}
                  </p>
                </div>
                <div className="flex shrink-0 gap-1.5">
                  {editable ? (
                    <>
                      <Button variant="secondary" size="sm" icon={<Pencil className="size-3.5" aria-hidden />} onClick={() => setDialog({ mode: 'edit', role })}>
                        {t('roles.edit')}
                      </Button>
                      <Button
                        variant="ghost"
                        size="sm"
                        className="text-danger hover:text-danger"
                        icon={<Trash2 className="size-3.5" aria-hidden />}
                        aria-label={`${t('roles.delete')}: ${role.name}`}
                        onClick={() => setDeleting(role)}
                      >
                        {t('roles.delete')}
                      </Button>
                    </>
                  ) : (
                    <Button variant="secondary" size="sm" icon={<Eye className="size-3.5" aria-hidden />} onClick={() => setDialog({ mode: 'view', role })}>
                      {t('roles.view')}
                    </Button>
                  )}
                </div>
              </li>
            );
          })}
        </ul>
      ) : null}
      {catalogue.data ? (
        <RoleDialog
          state={dialog}
          onClose={() => setDialog(null)}
          catalogue={catalogue.data}
          onSaved={(_, created) => {
            toast.success(created ? t('roles.createdToast') : t('roles.savedToast'));
            void refresh();
          }}
        />
      ) : null}
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title={t('roles.deleteTitle', { name: deleting?.name ?? '' })}
        description={t('roles.deleteBody')}
        confirmLabel={t('roles.delete')}
        onConfirm={async () => {
          if (!deleting) return;
          try {
            await rolesApi.remove(deleting.id);
            toast.success(t('roles.deletedToast'));
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
