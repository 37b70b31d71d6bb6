import type { WhatsAppWebSession } from '@leadmaster/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { clsx } from 'clsx';
import { Loader2, LogOut, RotateCw, ShieldOff } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../lib/errors';
import { useFormat } from '../../lib/format';
import { useRealtimeStatus } from '../../lib/realtime';
import { Alert } from '../../ui/Alert';
import { Badge } from '../../ui/Badge';
import { Button } from '../../ui/Button';
import { Card, CardBody, CardHeader } from '../../ui/Card';
import { ConfirmDialog } from '../../ui/Dialog';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { LoadingBlock } from '../../ui/Spinner';
import { useToast } from '../../ui/Toast';
import { channelsApi, sessionKey, useWhatsAppWebSession } from './channels.api';

const TONE: Record<WhatsAppWebSession['state'], 'neutral' | 'primary' | 'success' | 'warning' | 'danger'> = {
  INITIALIZING: 'neutral',
  QR_REQUIRED: 'primary',
  READY: 'success',
  RECONNECTING: 'warning',
  DISCONNECTED: 'neutral',
  LOGGED_OUT: 'danger',
  FAILED: 'danger',
};

/** The QR screen: live state (pushed over the realtime socket), the code while it waits, and what to do next. */
export function WhatsAppWebSessionCard({ channelId, canManage }: { channelId: string; canManage: boolean }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const toast = useToast();
  const queryClient = useQueryClient();
  const session = useWhatsAppWebSession(channelId);
  const live = useRealtimeStatus() === 'open';
  const [busy, setBusy] = useState(false);
  const [confirmLogout, setConfirmLogout] = useState(false);

  const act = async (action: 'restart' | 'logout') => {
    setBusy(true);
    try {
      const status = action === 'restart' ? await channelsApi.restartSession(channelId) : await channelsApi.logoutSession(channelId);
      queryClient.setQueryData(sessionKey(channelId), status);
      toast.success(action === 'restart' ? t('channels.session.restarted') : t('channels.session.loggedOutToast'));
    } catch (error) {
      toast.error(errorText(error, t));
      throw error;
    } finally {
      setBusy(false);
    }
  };

  const s = session.data;
  const waiting = s?.state === 'INITIALIZING' || s?.state === 'RECONNECTING';
  return (
    <Card>
      <CardHeader
        title={t('channels.session.title')}
        description={t('channels.session.description')}
        actions={
          live ? (
            <span className="inline-flex items-center gap-1.5 text-xs text-muted">
              <span className="size-2 animate-pulse rounded-full bg-success" aria-hidden />
              {t('channels.session.live')}
            </span>
          ) : null
        }
      />
      <CardBody className="space-y-4">
        {session.isPending ? <LoadingBlock label={t('common.loading')} /> : null}
        {session.isError ? <ErrorAlert error={session.error} onRetry={() => void session.refetch()} /> : null}
        {s ? (
          <div className="flex flex-col gap-5 sm:flex-row sm:items-start">
            <div className={clsx('flex size-56 shrink-0 items-center justify-center self-center rounded-lg border border-border sm:self-start', s.qr ? 'bg-white p-2' : 'bg-surface-2')}>
              {s.qr ? (
                <img data-testid="session-qr" src={s.qr} alt={t('channels.session.qrAlt')} className="size-full [image-rendering:pixelated]" />
              ) : waiting ? (
                <Loader2 className="size-8 animate-spin text-subtle" aria-hidden />
              ) : s.state === 'READY' ? (
                <span className="text-5xl" aria-hidden>✓</span>
              ) : (
                <ShieldOff className="size-10 text-subtle" aria-hidden />
              )}
            </div>
            <div className="min-w-0 flex-1 space-y-3">
              <div className="flex flex-wrap items-center gap-2">
                <Badge tone={TONE[s.state]} dot>
                  <span data-testid="session-state" data-state={s.state}>{t(`channels.session.state.${s.state}`)}</span>
                </Badge>
                <span className="text-xs text-muted">{t('channels.session.since', { when: fmt.relative(s.since) })}</span>
              </div>
              <p className="text-sm">{t(`channels.session.next.${s.state}`)}</p>
              {canManage ? (
                <div className="flex flex-wrap gap-2">
                  {s.recommended_action === 'restart' || s.recommended_action === 'relink' || s.state === 'READY' || s.state === 'QR_REQUIRED' ? (
                    <Button variant={s.recommended_action === 'none' || s.recommended_action === 'scan_qr' ? 'secondary' : 'primary'} icon={<RotateCw className="size-4" aria-hidden />} loading={busy} loadingText={t('channels.session.restarting')} onClick={() => void act('restart').catch(() => undefined)}>
                      {t('channels.session.restart')}
                    </Button>
                  ) : null}
                  {s.state === 'READY' || s.state === 'RECONNECTING' ? (
                    <Button variant="ghost" className="text-danger hover:text-danger" icon={<LogOut className="size-4" aria-hidden />} disabled={busy} onClick={() => setConfirmLogout(true)}>
                      {t('channels.session.logout')}
                    </Button>
                  ) : null}
                </div>
              ) : null}
            </div>
          </div>
        ) : null}
        <Alert tone="info">{t('channels.session.receiveOnly')}</Alert>
      </CardBody>
      <ConfirmDialog
        open={confirmLogout}
        onOpenChange={setConfirmLogout}
        title={t('channels.session.logoutTitle')}
        description={t('channels.session.logoutBody')}
        confirmLabel={t('channels.session.logout')}
        onConfirm={() => act('logout')}
      />
    </Card>
  );
}
