import type { Channel, ChannelKind, CreateChannelBody } from '@leadmaster/contracts';
import { clsx } from 'clsx';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { toFormErrors, useFormErrors } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { Input, PasswordInput } from '../../ui/Input';
import { Switch } from '../../ui/Switch';
import { channelsApi, KINDS } from './channels.api';
import { KindMark } from './kinds';
import { TestConnection } from './TestConnection';
import { WebhookGuide } from './WebhookGuide';

type Values = Record<string, string>;
const EMPTY: Values = { name: '', phoneNumberId: '', businessAccountId: '', accessToken: '', appSecret: '', verifyToken: '', serverUrl: '', password: '', messagesPerSecond: '80' };

const randomVerifyToken = () => Array.from(crypto.getRandomValues(new Uint8Array(18)), (b) => b.toString(16).padStart(2, '0')).join('');
const isUrl = (v: string) => /^https?:\/\/[^\s/]+/i.test(v.trim());

/** Picks a kind, fills its form (checked here before the server checks it again), then offers the next steps. */
export function AddChannelDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; onCreated: (channel: Channel) => void }) {
  const { t } = useTranslation();
  const [kind, setKind] = useState<ChannelKind | null>(null);
  const [values, setValues] = useState<Values>(EMPTY);
  const [shared, setShared] = useState(false);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Channel | null>(null);
  const form = useFormErrors();
  useEffect(() => {
    if (!props.open) return;
    setKind(null);
    setValues(EMPTY);
    setShared(false);
    setCreated(null);
    form.clear();
  }, [props.open]);

  const set = (key: string) => (e: { target: { value: string } }) => setValues((v) => ({ ...v, [key]: e.target.value }));
  const maxMps = shared ? 20 : 1000;

  const validate = (): Record<string, string> => {
    const f: Record<string, string> = {};
    if (!values.name!.trim()) f.name = t('validation.required');
    if (kind === 'whatsapp_cloud') {
      if (!/^\d{5,30}$/.test(values.phoneNumberId!.trim())) f.phoneNumberId = t('channels.form.digits');
      if (!/^\d{5,30}$/.test(values.businessAccountId!.trim())) f.businessAccountId = t('channels.form.digits');
      if (!values.accessToken!.trim()) f.accessToken = t('validation.required');
      if (!values.appSecret!.trim()) f.appSecret = t('validation.required');
      if (values.verifyToken!.trim().length < 8) f.verifyToken = t('channels.form.minLength', { count: 8 });
      const mps = Number(values.messagesPerSecond);
      if (!Number.isInteger(mps) || mps < 1 || mps > maxMps) f.messagesPerSecond = t('channels.form.range', { min: 1, max: maxMps });
    }
    if (kind === 'bluebubbles') {
      if (!isUrl(values.serverUrl!)) f.serverUrl = t('channels.form.url');
      if (!values.password!.trim()) f.password = t('validation.required');
    }
    return f;
  };

  const body = (): CreateChannelBody => {
    const name = values.name!.trim();
    switch (kind) {
      case 'whatsapp_cloud':
        return {
          kind,
          name,
          config: {
            phoneNumberId: values.phoneNumberId!.trim(),
            businessAccountId: values.businessAccountId!.trim(),
            accessToken: values.accessToken!.trim(),
            appSecret: values.appSecret!.trim(),
            verifyToken: values.verifyToken!.trim(),
            messagesPerSecond: Number(values.messagesPerSecond),
            sharedWithBusinessApp: shared,
          },
        };
      case 'bluebubbles':
        return { kind, name, config: { serverUrl: values.serverUrl!.trim(), password: values.password! } };
      case 'whatsapp_web':
        return { kind, name, config: {} };
      default:
        return { kind: 'sandbox', name };
    }
  };

  const submit = async () => {
    const fields = validate();
    form.setFields(fields);
    if (Object.keys(fields).length) return;
    setBusy(true);
    try {
      const channel = await channelsApi.create(body());
      setCreated(channel);
      props.onCreated(channel);
    } catch (error) {
      form.setAll(toFormErrors(error, t, { 'config.phoneNumberId': 'phoneNumberId', 'config.businessAccountId': 'businessAccountId', 'config.accessToken': 'accessToken', 'config.appSecret': 'appSecret', 'config.verifyToken': 'verifyToken', 'config.serverUrl': 'serverUrl', 'config.password': 'password', 'config.messagesPerSecond': 'messagesPerSecond' }));
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    const isWeb = created.kind === 'whatsapp_web';
    return (
      <Dialog
        open={props.open}
        onOpenChange={props.onOpenChange}
        dismissible={created.kind !== 'bluebubbles'}
        size="lg"
        title={t('channels.created.title', { name: created.name })}
        footer={
          <>
            <Button variant="secondary" onClick={() => props.onOpenChange(false)}>
              {t('common.done')}
            </Button>
            <Button asChild>
              <Link to={`/channels/${created.id}`} onClick={() => props.onOpenChange(false)}>
                {isWeb ? t('channels.created.openSession') : t('channels.created.open')}
              </Link>
            </Button>
          </>
        }
      >
        <div className="space-y-5">
          {created.webhookUrl ? <WebhookGuide channel={created} justCreated /> : null}
          {isWeb ? <Alert tone="info">{t('channels.form.whatsappWebNote')}</Alert> : (
            <div>
              <p className="mb-1 text-sm font-medium">{t('channels.created.next')}</p>
              <p className="mb-3 text-[13px] text-muted">{t('channels.created.testHint')}</p>
              <TestConnection channelId={created.id} />
            </div>
          )}
        </div>
      </Dialog>
    );
  }

  return (
    <Dialog
      open={props.open}
      onOpenChange={(open) => !busy && props.onOpenChange(open)}
      title={t('channels.add')}
      description={kind ? t(`channels.kindHint.${kind}`) : t('channels.form.chooseKind')}
      size="lg"
      onSubmit={() => void submit()}
      footer={
        kind ? (
          <>
            <Button variant="secondary" disabled={busy} onClick={() => setKind(null)}>
              {t('common.back')}
            </Button>
            <Button type="submit" loading={busy} loadingText={t('common.creating')}>
              {t('channels.form.create')}
            </Button>
          </>
        ) : (
          <Button variant="secondary" onClick={() => props.onOpenChange(false)}>
            {t('common.cancel')}
          </Button>
        )
      }
    >
      {!kind ? (
        <div role="radiogroup" aria-label={t('channels.form.chooseKind')} className="grid gap-2 sm:grid-cols-2">
          {KINDS.map((k) => (
            <button
              key={k}
              type="button"
              role="radio"
              aria-checked={false}
              onClick={() => {
                setKind(k);
                setValues((v) => ({ ...v, name: v.name || t(`channels.kind.${k}`) }));
              }}
              className={clsx('focus-ring flex items-start gap-3 rounded-lg border border-border bg-surface p-3 text-left transition-colors hover:border-primary hover:bg-surface-2')}
            >
              <KindMark kind={k} />
              <span className="min-w-0">
                <span className="block text-sm font-medium">{t(`channels.kind.${k}`)}</span>
                <span className="mt-0.5 block text-[13px] text-muted">{t(`channels.kindHint.${k}`)}</span>
              </span>
            </button>
          ))}
        </div>
      ) : (
        <div className="space-y-4">
          {form.errors.message ? <Alert tone="danger">{form.errors.message}</Alert> : null}
          <Field label={t('channels.form.name')} error={form.field('name')}>
            {(p) => <Input {...p} name="name" autoFocus maxLength={80} placeholder={t('channels.form.namePlaceholder')} value={values.name} onChange={set('name')} />}
          </Field>
          {kind === 'sandbox' ? <p className="text-[13px] text-muted">{t('channels.form.sandboxNote')}</p> : null}
          {kind === 'whatsapp_web' ? <Alert tone="info">{t('channels.form.whatsappWebNote')}</Alert> : null}
          {kind === 'whatsapp_cloud' ? (
            <>
              <div className="grid gap-4 sm:grid-cols-2">
                <Field label={t('channels.form.phoneNumberId')} hint={t('channels.form.phoneNumberIdHint')} error={form.field('phoneNumberId')}>
                  {(p) => <Input {...p} name="phoneNumberId" inputMode="numeric" value={values.phoneNumberId} onChange={set('phoneNumberId')} />}
                </Field>
                <Field label={t('channels.form.businessAccountId')} error={form.field('businessAccountId')}>
                  {(p) => <Input {...p} name="businessAccountId" inputMode="numeric" value={values.businessAccountId} onChange={set('businessAccountId')} />}
                </Field>
              </div>
              <Field label={t('channels.form.accessToken')} hint={t('channels.form.accessTokenHint')} error={form.field('accessToken')}>
                {(p) => <PasswordInput {...p} name="accessToken" autoComplete="off" value={values.accessToken} onChange={set('accessToken')} />}
              </Field>
              <Field label={t('channels.form.appSecret')} hint={t('channels.form.appSecretHint')} error={form.field('appSecret')}>
                {(p) => <PasswordInput {...p} name="appSecret" autoComplete="off" value={values.appSecret} onChange={set('appSecret')} />}
              </Field>
              <Field label={t('channels.form.verifyToken')} hint={t('channels.form.verifyTokenHint')} error={form.field('verifyToken')}>
                {(p) => (
                  <div className="flex gap-2">
                    <Input {...p} name="verifyToken" autoComplete="off" className="font-mono" value={values.verifyToken} onChange={set('verifyToken')} />
                    <Button variant="secondary" onClick={() => setValues((v) => ({ ...v, verifyToken: randomVerifyToken() }))}>
                      {t('channels.form.generate')}
                    </Button>
                  </div>
                )}
              </Field>
              <ThroughputFields shared={shared} onShared={(on) => { setShared(on); if (on && Number(values.messagesPerSecond) > 20) setValues((v) => ({ ...v, messagesPerSecond: '20' })); }} value={values.messagesPerSecond!} onValue={(mps) => setValues((v) => ({ ...v, messagesPerSecond: mps }))} error={form.field('messagesPerSecond')} />
            </>
          ) : null}
          {kind === 'bluebubbles' ? (
            <>
              <Field label={t('channels.form.serverUrl')} hint={t('channels.form.serverUrlHint')} error={form.field('serverUrl')}>
                {(p) => <Input {...p} name="serverUrl" type="url" placeholder="https://" value={values.serverUrl} onChange={set('serverUrl')} />}
              </Field>
              <Field label={t('channels.form.password')} hint={t('channels.form.passwordHint')} error={form.field('password')}>
                {(p) => <PasswordInput {...p} name="password" autoComplete="off" value={values.password} onChange={set('password')} />}
              </Field>
            </>
          ) : null}
        </div>
      )}
    </Dialog>
  );
}

/** Messages per second and the Business-app coexistence switch (which caps it at 20). */
export function ThroughputFields(props: { shared: boolean; onShared: (on: boolean) => void; value: string; onValue: (value: string) => void; error?: string | undefined }) {
  const { t } = useTranslation();
  return (
    <div className="space-y-3 rounded-md border border-border p-3">
      <Switch checked={props.shared} onCheckedChange={props.onShared} label={t('channels.form.sharedWithBusinessApp')} description={t('channels.form.sharedWithBusinessAppHint')} />
      <Field label={t('channels.form.messagesPerSecond')} hint={props.shared ? t('channels.form.messagesPerSecondShared') : t('channels.form.messagesPerSecondHint')} error={props.error}>
        {(p) => <Input {...p} name="messagesPerSecond" type="number" min={1} max={props.shared ? 20 : 1000} className="max-w-40" value={props.value} onChange={(e) => props.onValue(e.target.value)} />}
      </Field>
    </div>
  );
}
