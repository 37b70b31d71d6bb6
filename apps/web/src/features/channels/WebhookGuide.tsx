import type { Channel } from '@leadmaster/contracts';
import { useTranslation } from 'react-i18next';
import { Alert } from '../../ui/Alert';
import { CopyButton } from '../../ui/CopyButton';

/** Where the provider must send its webhooks, and how to tell it. BlueBubbles' URL holds a secret: shown once. */
export function WebhookGuide({ channel, justCreated = false }: { channel: Channel; justCreated?: boolean }) {
  const { t } = useTranslation();
  if (!channel.webhookUrl) return null;
  const isBlueBubbles = channel.kind === 'bluebubbles';
  const hidden = isBlueBubbles && !justCreated;
  return (
    <div className="space-y-3">
      <p className="text-[13px] text-muted">{isBlueBubbles ? t('channels.webhook.bluebubblesBody') : t('channels.webhook.cloudBody')}</p>
      {isBlueBubbles && justCreated ? <Alert tone="warning">{t('channels.webhook.bluebubblesOnce')}</Alert> : null}
      <div>
        <p className="mb-1.5 text-[13px] font-medium">{t('channels.webhook.url')}</p>
        <div className="flex flex-wrap items-center gap-2">
          <code data-testid="webhook-url" className="min-w-0 flex-1 rounded-md border border-border bg-surface-2 px-3 py-2 font-mono text-[13px] break-all select-all">
            {channel.webhookUrl}
          </code>
          {hidden ? null : <CopyButton text={channel.webhookUrl} />}
        </div>
        {hidden ? <p className="mt-1.5 text-[13px] text-muted">{t('channels.webhook.bluebubblesHidden')}</p> : null}
      </div>
      {channel.kind === 'whatsapp_cloud' ? (
        <div>
          <p className="mb-1 text-[13px] font-medium">{t('channels.webhook.verifyToken')}</p>
          <p className="text-[13px] text-muted">{t('channels.webhook.verifyTokenNote')}</p>
        </div>
      ) : null}
    </div>
  );
}
