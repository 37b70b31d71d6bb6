import { ChevronsUpDown, LogOut, UserCog } from 'lucide-react';
import { useTranslation } from 'react-i18next';
import { useNavigate } from 'react-router';
import { currentLanguage, isLanguage, LANGUAGES } from '../i18n';
import { errorText } from '../lib/errors';
import { setTheme, useTheme } from '../lib/theme';
import { Avatar } from '../ui/Avatar';
import { Menu, MenuContent, MenuItem, MenuLabel, MenuRadioGroup, MenuSeparator, MenuTrigger } from '../ui/Menu';
import { useToast } from '../ui/Toast';
import { useLogout } from '../features/auth/auth.api';
import { useSession } from '../features/auth/session';
import { useChangeLanguage } from '../features/auth/useChangeLanguage';
import { RoleName } from '../features/roles/RoleName';

/** Account menu: profile and security, language, theme, sign-out. `compact` shows only the avatar. */
export function UserMenu({ compact }: { compact?: boolean }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const toast = useToast();
  const me = useSession();
  const theme = useTheme();
  const logout = useLogout();
  const changeLanguage = useChangeLanguage();
  return (
    <Menu>
      <MenuTrigger
        aria-label={t('shell.accountMenu')}
        className={
          compact
            ? 'focus-ring rounded-full'
            : 'focus-ring flex w-full items-center gap-2.5 rounded-md px-2 py-1.5 text-left hover:bg-hover data-[state=open]:bg-hover'
        }
      >
        <Avatar name={me.user.name} />
        {compact ? null : (
          <>
            <span className="min-w-0 flex-1">
              <span className="block truncate text-sm font-medium">{me.user.name}</span>
              <span className="block truncate text-xs text-muted">
                <RoleName name={me.user.roleName} />
              </span>
            </span>
            <ChevronsUpDown className="size-4 shrink-0 text-subtle" aria-hidden />
          </>
        )}
      </MenuTrigger>
      <MenuContent align={compact ? 'end' : 'start'} side={compact ? 'bottom' : 'top'} className="w-60">
        <div className="px-2 py-1.5">
          <p className="truncate text-sm font-medium">{me.user.name}</p>
          <p className="truncate text-xs text-muted">{me.user.email}</p>
        </div>
        <MenuSeparator />
        <MenuItem icon={<UserCog />} onSelect={() => navigate('/settings/security')}>
          {t('shell.profile')}
        </MenuItem>
        <MenuSeparator />
        <MenuLabel>{t('shell.language')}</MenuLabel>
        <MenuRadioGroup
          label={t('shell.language')}
          value={currentLanguage()}
          onValueChange={(value) => isLanguage(value) && void changeLanguage(value)}
          options={LANGUAGES.map((l) => ({ value: l, label: <span lang={l}>{t(`languages.${l}`)}</span> }))}
        />
        <MenuLabel>{t('shell.theme')}</MenuLabel>
        <MenuRadioGroup
          label={t('shell.theme')}
          value={theme}
          onValueChange={(value) => setTheme(value === 'light' ? 'light' : 'dark')}
          options={[
            { value: 'dark', label: t('shell.dark') },
            { value: 'light', label: t('shell.light') },
          ]}
        />
        <MenuSeparator />
        <MenuItem
          icon={<LogOut />}
          disabled={logout.isPending}
          onSelect={() =>
logout.mutate(undefined, { onError: (error) => toast.error(errorText(error, t)) })
          }
        >
          {logout.isPending ? t('shell.signingOut') : t('shell.signOut')}
        </MenuItem>
      </MenuContent>
    </Menu>
  );
}
