import { useTranslation } from 'react-i18next';
import { applyLanguage, rememberLanguage, type Language } from '../../i18n';
import { errorText } from '../../lib/errors';
import { useToast } from '../../ui/Toast';
import { securityApi } from '../security/security.api';
import { useUpdateSession } from './session';

/** Switches the UI at once and stores the choice on the account, so it follows the user everywhere. */
export function useChangeLanguage() {
  const { t } = useTranslation();
  const toast = useToast();
  const updateSession = useUpdateSession();
  return async (language: Language) => {
    rememberLanguage(language);
    await applyLanguage(language);
    updateSession((me) => ({ ...me, user: { ...me.user, locale: language } }));
    try {
      await securityApi.updateProfile({ locale: language });
    } catch (error) {
      toast.error(errorText(error, t));
    }
  };
}
