import type { ApiKey } from '@leadmaster/contracts';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { checks, toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { CopyButton } from '../../ui/CopyButton';
import { Dialog, FormDialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { useSession } from '../auth/session';
import { PermissionPicker } from '../roles/PermissionPicker';
import { apiKeysApi } from './api-keys.api';

/** Names a key and picks its permissions; then shows the token once, with a copy button. */
export function CreateApiKeyDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; catalogue: string[]; onCreated: (key: ApiKey) => void }) {
  const { t } = useTranslation();
  const me = useSession();
  const [name, setName] = useState('');
  const [permissions, setPermissions] = useState<string[]>([]);
  const [token, setToken] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  useEffect(() => {
    if (!props.open) return;
    setName('');
    setPermissions([]);
    setToken(null);
    form.clear();
  }, [props.open]);

  const submit = async () => {
    const fields: Record<string, string> = {};
    if (!checks.required(name)) fields.name = t('validation.required');
    if (permissions.length === 0) fields.permissions = t('validation.permissionsRequired');
    form.setFields(fields);
    if (Object.keys(fields).length) return;
    setBusy(true);
    try {
      const created = await apiKeysApi.create({ name: name.trim(), permissions });
      setToken(created.token);
      props.onCreated(created.apiKey);
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };

  if (token) {
    return (
      <Dialog
        open={props.open}
        onOpenChange={props.onOpenChange}
        dismissible={false}
        title={t('apiKeys.createdTitle')}
        footer={<Button onClick={() => props.onOpenChange(false)}>{t('common.done')}</Button>}
      >
        <div className="space-y-4">
          <Alert tone="warning">{t('apiKeys.createdWarning')}</Alert>
          <div>
            <p className="mb-1.5 text-[13px] font-medium">{t('apiKeys.token')}</p>
            <code data-testid="api-key-token" className="block rounded-md border border-border bg-surface-2 px-3 py-2 font-mono text-sm break-all select-all">
              {token}
            </code>
            <div className="mt-2 flex flex-wrap items-center gap-3">
              <CopyButton text={token} label={t('apiKeys.copyToken')} />
              <span className="text-[13px] text-muted">{t('apiKeys.usage')}</span>
            </div>
          </div>
        </div>
      </Dialog>
    );
  }

  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={t('apiKeys.createTitle')}
      description={t('apiKeys.subtitle')}
      size="lg"
      onSubmit={() => void submit()}
      busy={busy}
      submitLabel={t('apiKeys.create')}
      busyLabel={t('common.creating')}
      error={form.errors.message}
    >
      <div className="space-y-4">
        <Field label={t('apiKeys.name')} error={form.field('name')}>
          {(p) => <Input {...p} name="name" autoFocus maxLength={80} placeholder={t('apiKeys.namePlaceholder')} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <div>
          <p className="mb-2 text-[13px] font-medium">{t('apiKeys.permissions')}</p>
          <PermissionPicker catalogue={props.catalogue} value={permissions} onChange={setPermissions} grantable={me.permissions} error={form.field('permissions')} />
        </div>
      </div>
    </FormDialog>
  );
}

