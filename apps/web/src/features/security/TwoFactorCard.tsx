import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ME_KEY } from '../../lib/query-client';
import { Alert } from '../../ui/Alert';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { Dialog } from '../../ui/Dialog';
import { useToast } from '../../ui/Toast';
import { useSession } from '../auth/session';
import { PasswordPrompt } from './PasswordPrompt';
import { RecoveryCodes } from './RecoveryCodes';
import { securityApi } from './security.api';
import { TwoFactorEnrolment } from './TwoFactorEnrolment';

export function TwoFactorCard() {
  const { t } = useTranslation();
  const me = useSession();
  const toast = useToast();
  const queryClient = useQueryClient();
  const [prompt, setPrompt] = useState<'disable' | 'regenerate' | null>(null);
  const [newCodes, setNewCodes] = useState<string[] | null>(null);
  const enabled = me.user.twoFactorEnabled;
  const refreshSession = () => queryClient.invalidateQueries({ queryKey: ME_KEY });

  return (
    <Card>
      <CardHeader
        title={t('security.twoFactor.title')}
        actions={
          <Badge tone={enabled ? 'success' : 'neutral'} dot>
            {enabled ? t('security.twoFactor.on') : t('security.twoFactor.off')}
          </Badge>
        }
      />
      <CardBody className="space-y-4">
        {enabled ? (
          <>
            <p className="text-sm text-muted">{t('security.twoFactor.onBody')}</p>
            {me.tenant.requireTwoFactor ? <Alert>{t('security.twoFactor.requiredNote')}</Alert> : null}
            <div className="flex flex-wrap gap-2">
              <Button variant="secondary" onClick={() => setPrompt('regenerate')}>
                {t('security.twoFactor.regenerate')}
              </Button>
              {me.tenant.requireTwoFactor ? null : (
                <Button variant="secondary" className="text-danger" onClick={() => setPrompt('disable')}>
                  {t('security.twoFactor.disable')}
                </Button>
              )}
            </div>
          </>
        ) : (
          <TwoFactorEnrolment
            account={me.user.email}
            onDone={() => {
              toast.success(t('twoFactor.enabledToast'));
              void refreshSession();
            }}
          />
        )}
      </CardBody>

      <PasswordPrompt
        open={prompt === 'regenerate'}
        onOpenChange={(open) => !open && setPrompt(null)}
        title={t('security.twoFactor.regenerateTitle')}
        description={t('security.twoFactor.regenerateBody')}
        confirmLabel={t('security.twoFactor.regenerate')}
        onConfirm={async (password) => {
          const result = await securityApi.regenerateRecoveryCodes(password);
          setPrompt(null);
          setNewCodes(result.recoveryCodes);
        }}
      />
      <PasswordPrompt
        open={prompt === 'disable'}
        onOpenChange={(open) => !open && setPrompt(null)}
        title={t('security.twoFactor.disableTitle')}
        description={t('security.twoFactor.disableBody')}
        confirmLabel={t('security.twoFactor.disable')}
        tone="danger"
        onConfirm={async (password) => {
          await securityApi.disableTwoFactor(password);
          setPrompt(null);
          toast.success(t('security.twoFactor.disabledToast'));
          await refreshSession();
        }}
      />
      <Dialog open={newCodes !== null} onOpenChange={() => undefined} dismissible={false} title={t('security.twoFactor.regenerateTitle')}>
        {newCodes ? <RecoveryCodes codes={newCodes} account={me.user.email} onDone={() => setNewCodes(null)} /> : null}
      </Dialog>
    </Card>
  );
}
