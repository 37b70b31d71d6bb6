import { useQueryClient } from '@tanstack/react-query';
import { ChevronDown, RefreshCw, Tag, Tags, Trash2, UserRoundCog, X } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText } from '../../lib/errors';
import { Alert } from '../../ui/Alert';
import { Button } from '../../ui/Button';
import { Dialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { Menu, MenuContent, MenuItem, MenuSeparator, MenuTrigger } from '../../ui/Menu';
import { Select } from '../../ui/Select';
import { TagInput } from '../../ui/TagInput';
import { useCan } from '../auth/session';
import { activeTasks, useActiveTasks } from '../tasks/tasks.api';
import { TaskProgress } from '../tasks/TaskProgress';
import { useOwnerOptions } from './ContactFields';
import { CONTACTS_KEY, contactsApi, type BulkAction, type BulkRequest, type ContactFilter } from './contacts.api';
import type { Selection } from './ContactsTable';

const SCOPE = 'contacts';

/** The bar shown while rows are selected: how many, "select all matching", and the actions. */
export function BulkBar(props: { selection: Selection; loadedCount: number; allLoaded: boolean; filter: ContactFilter; onSelectionChange: (s: Selection) => void }) {
  const { t } = useTranslation();
  const can = useCan();
  const [action, setAction] = useState<BulkAction | null>(null);
  const { selection } = props;
  const count = selection.mode === 'all' ? null : selection.ids.size;
  if (selection.mode === 'ids' && selection.ids.size === 0) return null;
  const everyLoaded = selection.mode === 'ids' && selection.ids.size === props.loadedCount;
  const request: Pick<BulkRequest, 'filter' | 'contactIds'> = selection.mode === 'all' ? { filter: props.filter } : { contactIds: [...selection.ids] };
  const canWrite = can('contacts.write');
  return (
    <div className="sticky top-14 z-20 mb-3 flex flex-wrap items-center gap-2 rounded-lg border border-primary/40 bg-primary-soft px-3 py-2 lg:top-0" role="region" aria-label={t('contacts.bulk.region')}>
      <p className="text-sm font-medium" aria-live="polite">
        {count === null ? t('contacts.bulk.allMatching') : t('contacts.bulk.selected', { count })}
      </p>
      {everyLoaded && !props.allLoaded ? (
        <Button variant="link" size="sm" onClick={() => props.onSelectionChange({ mode: 'all' })}>
          {t('contacts.bulk.selectAllMatching')}
        </Button>
      ) : null}
      <div className="ml-auto flex items-center gap-1">
        <Menu>
          <MenuTrigger asChild>
            <Button size="sm" icon={<ChevronDown className="size-4" aria-hidden />} disabled={!canWrite && !can('contacts.delete') && !can('scoring.manage')}>
              {t('contacts.bulk.actions')}
            </Button>
          </MenuTrigger>
          <MenuContent align="end">
            {canWrite ? (
              <>
                <MenuItem icon={<Tag />} onSelect={() => setAction('tag')}>
                  {t('contacts.bulk.tag')}
                </MenuItem>
                <MenuItem icon={<Tags />} onSelect={() => setAction('untag')}>
                  {t('contacts.bulk.untag')}
                </MenuItem>
                <MenuItem icon={<UserRoundCog />} onSelect={() => setAction('assign')}>
                  {t('contacts.bulk.assign')}
                </MenuItem>
                <MenuItem icon={<RefreshCw />} onSelect={() => setAction('rescore')}>
                  {t('contacts.bulk.rescore')}
                </MenuItem>
              </>
            ) : null}
            {can('contacts.delete') ? (
              <>
                <MenuSeparator />
                <MenuItem icon={<Trash2 />} tone="danger" onSelect={() => setAction('delete')}>
                  {t('contacts.bulk.delete')}
                </MenuItem>
              </>
            ) : null}
          </MenuContent>
        </Menu>
        <Button variant="ghost" size="icon" className="size-8" aria-label={t('contacts.bulk.clear')} onClick={() => props.onSelectionChange({ mode: 'ids', ids: new Set() })}>
          <X className="size-4" aria-hidden />
        </Button>
      </div>
      <BulkDialog
        action={action}
        count={count}
        request={request}
        onClose={() => setAction(null)}
        onStarted={() => props.onSelectionChange({ mode: 'ids', ids: new Set() })}
      />
    </div>
  );
}

function BulkDialog(props: { action: BulkAction | null; count: number | null; request: Pick<BulkRequest, 'filter' | 'contactIds'>; onClose: () => void; onStarted: () => void }) {
  const { t } = useTranslation();
  const [tags, setTags] = useState<string[]>([]);
  const [ownerId, setOwnerId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const owners = useOwnerOptions(null);
  const action = props.action;
  useEffect(() => {
    if (action) {
      setTags([]);
      setOwnerId(null);
      setError(null);
    }
  }, [action]);
  const who = props.count === null ? t('contacts.bulk.whoAll') : t('contacts.bulk.who', { count: props.count });

  const submit = async () => {
    if (!action) return;
    if ((action === 'tag' || action === 'untag') && tags.length === 0) return setError(t('contacts.bulk.needTags'));
    setBusy(true);
    setError(null);
    try {
      const { taskId } = await contactsApi.bulk({
        ...props.request,
        action,
        ...(action === 'tag' || action === 'untag' ? { tags } : {}),
        ...(action === 'assign' ? { ownerId } : {}),
      });
      activeTasks.add({ id: taskId, scope: SCOPE, label: `${t(`contacts.bulk.${action}`)} · ${who}` });
      props.onStarted();
      props.onClose();
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={action !== null}
      onOpenChange={(open) => !open && !busy && props.onClose()}
      title={action ? t(`contacts.bulk.${action}Title`) : ''}
      description={who}
      onSubmit={() => void submit()}
      footer={
        <>
          <Button variant="secondary" disabled={busy} onClick={props.onClose}>
            {t('common.cancel')}
          </Button>
          <Button type="submit" variant={action === 'delete' ? 'danger' : 'primary'} loading={busy}>
            {action ? t(`contacts.bulk.${action}`) : null}
          </Button>
        </>
      }
    >
      <div className="space-y-4">
        {error ? <Alert tone="danger">{error}</Alert> : null}
        {action === 'tag' || action === 'untag' ? (
          <Field label={t('contacts.fields.tags')} hint={t('contacts.tagsHint')}>
            {(p) => <TagInput {...p} value={tags} onChange={setTags} max={20} />}
          </Field>
        ) : null}
        {action === 'assign' ? (
          <Field label={t('contacts.fields.owner')}>
            {(p) => <Select {...p} value={owners.toValue(ownerId)} onValueChange={(v) => setOwnerId(owners.fromValue(v))} options={owners.options} />}
          </Field>
        ) : null}
        {action === 'delete' ? <Alert tone="danger">{t('contacts.bulk.deleteWarning')}</Alert> : null}
        {action === 'rescore' ? <p className="text-sm text-muted">{t('contacts.bulk.rescoreBody')}</p> : null}
        <p className="text-[13px] text-muted">{t('contacts.bulk.background')}</p>
      </div>
    </Dialog>
  );
}

/** Bulk tasks started from this browser, still shown after a reload until dismissed. */
export function BulkTasks() {
  const tasks = useActiveTasks(SCOPE);
  const queryClient = useQueryClient();
  if (!tasks.length) return null;
  return (
    <div className="mb-4 space-y-2">
      {tasks.map((task) => (
        <TaskProgress
          key={task.id}
          taskId={task.id}
          label={task.label}
          onFinished={() => void queryClient.invalidateQueries({ queryKey: CONTACTS_KEY })}
          onDismiss={() => activeTasks.remove(task.id)}
        />
      ))}
    </div>
  );
}
