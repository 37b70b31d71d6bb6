import type { User } from '@leadmaster/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { KeyRound, MoreHorizontal, Pencil, Plus, UserCheck, UserX, Users } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../lib/errors';
import { ME_KEY } from '../../lib/query-client';
import { useFormat } from '../../lib/format';
import { Alert } from '../../ui/Alert';
import { Avatar } from '../../ui/Avatar';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { ConfirmDialog } from '../../ui/Dialog';
import { EmptyState } from '../../ui/EmptyState';
import { ListStates, LoadMore } from '../../ui/ListStates';
import { Menu, MenuContent, MenuItem, MenuSeparator, MenuTrigger } from '../../ui/Menu';
import { Page } from '../../ui/Page';
import { PageHeader } from '../../ui/PageHeader';
import { ActionsTH, Table, TBody, TD, TH, THead, TR } from '../../ui/Table';
import { useToast } from '../../ui/Toast';
import { useCan, useSession } from '../auth/session';
import { ROLES_KEY, useRoles } from '../roles/roles.api';
import { useRoleLabel } from '../roles/RoleName';
import { CreateUserDialog, EditUserDialog } from './UserDialogs';
import { USERS_KEY, usersApi, useUsersPages } from './users.api';

type Pending = { kind: 'disable' | 'reset2fa'; user: User } | null;

export function UsersPage() {
  const { t } = useTranslation();
  const fmt = useFormat();
  const toast = useToast();
  const queryClient = useQueryClient();
  const me = useSession();
  const canManage = useCan()('users.manage');
  const pages = useUsersPages();
  const roles = useRoles();
  const roleLabel = useRoleLabel();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [pending, setPending] = useState<Pending>(null);
  const users = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const roleOf = (user: User) => roles.data?.find((r) => r.id === user.roleId);

  const refresh = async (user?: User) => {
    await Promise.all([queryClient.invalidateQueries({ queryKey: USERS_KEY }), queryClient.invalidateQueries({ queryKey: ROLES_KEY })]);
    if (user?.id === me.user.id) await queryClient.invalidateQueries({ queryKey: ME_KEY });
  };

  const setStatus = async (user: User, status: 'active' | 'disabled') => {
    try {
      await usersApi.update(user.id, { status });
      toast.success(t(status === 'disabled' ? 'users.disabledToast' : 'users.enabledToast', { name: user.name }));
      await refresh(user);
    } catch (error) {
      toast.error(errorText(error, t));
      throw error;
    }
  };

  const resetTwoFactor = async (user: User) => {
    try {
      await usersApi.resetTwoFactor(user.id);
      toast.success(t('users.reset2faToast', { name: user.name }));
      await refresh(user);
    } catch (error) {
      toast.error(errorText(error, t));
      throw error;
    }
  };

  return (
    <Page wide>
      <PageHeader
        title={t('users.title')}
        description={t('users.subtitle')}
        actions={
          canManage ? (
            <Button icon={<Plus className="size-4" aria-hidden />} onClick={() => setCreating(true)} disabled={!roles.data}>
              {t('users.create')}
            </Button>
          ) : null
        }
      />
      {!canManage ? <Alert className="mb-4">{t('users.readOnly')}</Alert> : null}
      <ListStates query={pages} items={users} empty={<EmptyState icon={Users} title={t('users.emptyTitle')} body={t('users.emptyBody')} />}>
        {(rows) => (
          <Table label={t('users.title')}>
            <THead>
              <TR>
                <TH>{t('users.name')}</TH>
                <TH className="hidden sm:table-cell">{t('users.role')}</TH>
                <TH>{t('users.status')}</TH>
                <TH className="hidden sm:table-cell">{t('users.twoFactor')}</TH>
                <TH className="hidden md:table-cell">{t('users.lastLogin')}</TH>
                {canManage ? <ActionsTH /> : null}
              </TR>
            </THead>
            <TBody>
              {rows.map((user) => (
                <TR key={user.id}>
                  <TD>
                    <div className="flex min-w-0 items-center gap-3">
                      <Avatar name={user.name} />
                      <div className="min-w-0">
                        <p className="truncate font-medium">
                          {user.name}
                          {user.id === me.user.id ? <span className="ml-2 text-xs font-normal text-subtle">({t('common.you')})</span> : null}
                        </p>
                        <p className="truncate text-[13px] text-muted">{user.email}</p>
                        <p className="truncate text-[13px] text-muted sm:hidden">{roleLabel({ name: user.roleName, builtin: roleOf(user)?.builtin ?? null })}</p>
                      </div>
                    </div>
                  </TD>
                  <TD className="hidden whitespace-nowrap sm:table-cell">{roleLabel({ name: user.roleName, builtin: roleOf(user)?.builtin ?? null })}</TD>
                  <TD>
                    <Badge tone={user.status === 'active' ? 'success' : 'neutral'} dot>
                      {user.status === 'active' ? t('users.active') : t('users.disabled')}
                    </Badge>
                  </TD>
                  <TD className="hidden sm:table-cell">
                    <Badge tone={user.twoFactorEnabled ? 'primary' : 'neutral'}>{user.twoFactorEnabled ? t('users.on') : t('users.off')}</Badge>
                  </TD>
                  <TD className="hidden whitespace-nowrap text-muted md:table-cell">
                    {user.lastLoginAt ? <time dateTime={user.lastLoginAt} title={fmt.dateTime(user.lastLoginAt)}>{fmt.relative(user.lastLoginAt)}</time> : t('common.never')}
                  </TD>
                  {canManage ? (
                    <TD className="text-right">
                      <Menu>
                        <MenuTrigger asChild>
                          <Button variant="ghost" size="icon" className="size-8" aria-label={t('common.moreActions', { name: user.name })}>
                            <MoreHorizontal className="size-4" aria-hidden />
                          </Button>
                        </MenuTrigger>
                        <MenuContent align="end">
                          <MenuItem icon={<Pencil />} onSelect={() => setEditing(user)}>
                            {t('users.edit')}
                          </MenuItem>
                          {user.twoFactorEnabled ? (
                            <MenuItem icon={<KeyRound />} onSelect={() => setPending({ kind: 'reset2fa', user })}>
                              {t('users.reset2fa')}
                            </MenuItem>
                          ) : null}
                          {user.id !== me.user.id ? (
                            <>
                              <MenuSeparator />
                              {user.status === 'active' ? (
                                <MenuItem icon={<UserX />} tone="danger" onSelect={() => setPending({ kind: 'disable', user })}>
                                  {t('users.disable')}
                                </MenuItem>
                              ) : (
                                <MenuItem icon={<UserCheck />} onSelect={() => void setStatus(user, 'active').catch(() => undefined)}>
                                  {t('users.enable')}
                                </MenuItem>
                              )}
                            </>
                          ) : null}
                        </MenuContent>
                      </Menu>
                    </TD>
                  ) : null}
                </TR>
              ))}
            </TBody>
          </Table>
        )}
      </ListStates>
      <LoadMore query={pages} />

      {canManage && roles.data ? (
        <>
          <CreateUserDialog
            open={creating}
            onOpenChange={setCreating}
            roles={roles.data}
            onCreated={(user) => {
              toast.success(t('users.createdToast', { name: user.name }));
              void refresh();
            }}
          />
          <EditUserDialog
            user={editing}
            onClose={() => setEditing(null)}
            roles={roles.data}
            onSaved={(user) => {
              toast.success(t('users.updatedToast'));
              void refresh(user);
            }}
          />
        </>
      ) : null}
      <ConfirmDialog
        open={pending?.kind === 'disable'}
        onOpenChange={(open) => !open && setPending(null)}
        title={t('users.disableTitle', { name: pending?.user.name ?? '' })}
        description={t('users.disableBody')}
        confirmLabel={t('users.disable')}
        onConfirm={() => (pending ? setStatus(pending.user, 'disabled') : undefined)}
      />
      <ConfirmDialog
        open={pending?.kind === 'reset2fa'}
        onOpenChange={(open) => !open && setPending(null)}
        title={t('users.reset2faTitle', { name: pending?.user.name ?? '' })}
        description={t('users.reset2faBody')}
        confirmLabel={t('users.reset2fa')}
        onConfirm={() => (pending ? resetTwoFactor(pending.user) : undefined)}
      />
    </Page>
  );
}
