import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useQueryClient } from '@tanstack/react-query';
import { errorText } from '../../lib/errors';
import { useFormat } from '../../lib/format';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { channelKey, channelsApi, type ChannelTestResult } from './channels.api';

/** Runs POST /channels/:id/test and shows what the provider told us, or what went wrong. */
export function TestConnection(props: { channelId: string; last?: ChannelTestResult | null }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const queryClient = useQueryClient();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<ChannelTestResult | null>(props.last ?? null);
  const [failure, setFailure] = useState<string | null>(null);
  const run = async () => {
    setBusy(true);
    setFailure(null);
    try {
      setResult(await channelsApi.test(props.channelId));
      void queryClient.invalidateQueries({ queryKey: channelKey(props.channelId) });
    } catch (error) {
      setResult(null);
      setFailure(errorText(error, t));
    } finally {
      setBusy(false);
    }
  };
  const info = result?.info ? Object.entries(result.info).filter(([, v]) => v !== null && typeof v !== 'object') : [];
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-center gap-3">
        <Button variant="secondary" loading={busy} loadingText={t('channels.test.running')} onClick={() => void run()}>
          {t('channels.test.run')}
        </Button>
        {result ? <span className="text-[13px] text-muted">{t('channels.test.lastTested', { when: fmt.relative(result.testedAt) })}</span> : null}
      </div>
      {failure ? <Alert tone="danger" title={t('channels.test.failed')}>{failure}</Alert> : null}
      {result && !result.ok ? (
        <Alert tone="danger" title={t('channels.test.failed')}>
          {result.error?.message}
        </Alert>
      ) : null}
      {result?.ok ? (
        <Alert tone="success" title={t('channels.test.ok')}>
          {info.length ? (
            <dl data-testid="test-info" className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5">
              {info.map(([key, value]) => (
                <div key={key} className="contents">
                  <dt className="opacity-80">{key}</dt>
                  <dd className="min-w-0 font-mono break-all">{String(value)}</dd>
                </div>
              ))}
            </dl>
          ) : null}
        </Alert>
      ) : null}
    </div>
  );
}
