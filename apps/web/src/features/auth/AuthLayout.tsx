import { Moon, Sun } from 'lucide-react';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { applyLanguage, currentLanguage, LANGUAGES, rememberLanguage } from '../../i18n';
import { setTheme, useTheme } from '../../lib/theme';
import { Button } from '../../ui/Button';
import { LogoMark } from '../../ui/Logo';

/** The frame of the signed-out screens (setup, sign-in, forced 2FA enrolment). */
export function AuthLayout({ children, wide }: { children: ReactNode; wide?: boolean }) {
  const { t } = useTranslation();
  const theme = useTheme();
  const language = currentLanguage();
  return (
    <div className="flex min-h-full flex-col bg-bg">
      <header className="flex items-center justify-between gap-3 px-4 py-4 sm:px-6">
        <div className="flex items-center gap-2.5">
          <LogoMark />
          <span className="text-[15px] font-semibold tracking-tight">{t('common.appName')}</span>
        </div>
        <div className="flex items-center gap-1">
          <div role="group" aria-label={t('shell.language')} className="flex rounded-md border border-border p-0.5">
            {LANGUAGES.map((lng) => (
              <button
                key={lng}
                type="button"
                lang={lng}
                aria-pressed={language === lng}
                onClick={() => {
                  rememberLanguage(lng);
                  void applyLanguage(lng);
                }}
                className="focus-ring rounded px-2 py-1 text-xs font-medium text-muted uppercase aria-pressed:bg-surface-2 aria-pressed:text-fg"
                title={t(`languages.${lng}`)}
              >
                {lng}
              </button>
            ))}
          </div>
          <Button
            variant="ghost"
            size="icon"
            aria-label={`${t('shell.theme')}: ${theme === 'dark' ? t('shell.light') : t('shell.dark')}`}
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          >
            {theme === 'dark' ? <Sun className="size-4" aria-hidden /> : <Moon className="size-4" aria-hidden />}
          </Button>
        </div>
      </header>
      <main className="flex flex-1 items-start justify-center px-4 pt-4 pb-16 sm:items-center sm:pt-0">
        <div className={wide ? 'w-full max-w-xl' : 'w-full max-w-sm'}>{children}</div>
      </main>
    </div>
  );
}
