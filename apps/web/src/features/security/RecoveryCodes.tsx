import { Download } from 'lucide-react';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { downloadText } from '../../lib/clipboard';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Checkbox } from '../../ui/Checkbox';
import { CopyButton } from '../../ui/CopyButton';

/** Shows freshly made recovery codes once; the user confirms they kept them before moving on. */
export function RecoveryCodes({ codes, account, onDone }: { codes: string[]; account: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [saved, setSaved] = useState(false);
  const text = `${t('twoFactor.fileHeader', { account })}\n\n${codes.join('\n')}\n`;
  return (
    <div className="space-y-4">
      <div>
        <h3 className="text-[15px] font-semibold">{t('twoFactor.recoveryTitle')}</h3>
        <p className="mt-1 text-sm text-muted">{t('twoFactor.recoveryBody')}</p>
      </div>
      <ul aria-label={t('twoFactor.recoveryList')} className="grid grid-cols-2 gap-x-4 gap-y-1.5 rounded-md border border-border bg-surface-2 p-4 font-mono text-sm sm:grid-cols-2">
        {codes.map((code) => (
          <li key={code} className="tracking-wide">
            {code}
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-2">
        <CopyButton text={codes.join('\n')} label={t('twoFactor.copyCodes')} />
        <Button variant="secondary" size="sm" icon={<Download className="size-4" aria-hidden />} onClick={() => downloadText('leadmaster-recovery-codes.txt', text)}>
          {t('twoFactor.downloadCodes')}
        </Button>
      </div>
      <Alert tone="warning">
        <Checkbox checked={saved} onCheckedChange={setSaved} label={t('twoFactor.savedCheck')} />
      </Alert>
      <div className="flex justify-end">
        <Button disabled={!saved} onClick={onDone}>
          {t('twoFactor.finish')}
        </Button>
      </div>
    </div>
  );
}
