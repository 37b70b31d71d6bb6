import { useQueryClient } from '@tanstack/react-query';
import { Bookmark, BookmarkPlus, Check, ChevronDown, Save, Trash2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { errorText, toFormErrors, useFormErrors } from '../../lib/errors';
import { Button } from '../../ui/Button';
import { ConfirmDialog, FormDialog } from '../../ui/Dialog';
import { Field } from '../../ui/Field';
import { Input } from '../../ui/Input';
import { Menu, MenuContent, MenuItem, MenuLabel, MenuSeparator, MenuTrigger } from '../../ui/Menu';
import { useToast } from '../../ui/Toast';
import { useCan } from '../auth/session';
import { contactsApi, SEGMENTS_KEY, type ContactFilter, type Segment } from './contacts.api';

/**
 * Saved segments: pick one (its filter applies on the server), save the current filter as a new one,
 * update or delete the one in use.
 */
export function SegmentsMenu(props: { segments: Segment[]; active: Segment | null; currentFilter: ContactFilter; onPick: (segment: Segment | null) => void }) {
  const { t } = useTranslation();
  const toast = useToast();
  const queryClient = useQueryClient();
  const canManage = useCan()('segments.manage');
  const [saving, setSaving] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const hasFilter = Object.keys(props.currentFilter).length > 0;
  const refresh = () => queryClient.invalidateQueries({ queryKey: SEGMENTS_KEY });

  const updateActive = async () => {
    if (!props.active) return;
    try {
      const saved = await contactsApi.updateSegment(props.active.id, { filter: { ...props.active.filter, ...props.currentFilter } });
      toast.success(t('segments.updatedToast', { name: saved.name }));
      await refresh();
      props.onPick(saved);
    } catch (error) {
      toast.error(errorText(error, t));
    }
  };

  return (
    <>
      <Menu>
        <MenuTrigger asChild>
          <Button variant="secondary" icon={<Bookmark className="size-4" aria-hidden />} aria-label={t('segments.menu')}>
            <span className="max-w-40 truncate max-sm:hidden">{props.active?.name ?? t('segments.title')}</span>
            <ChevronDown className="size-4 text-subtle" aria-hidden />
          </Button>
        </MenuTrigger>
        <MenuContent align="end" className="max-w-80">
          <MenuLabel>{t('segments.title')}</MenuLabel>
          {props.segments.length === 0 ? <p className="px-2 py-1.5 text-[13px] text-muted">{t('segments.none')}</p> : null}
          {props.segments.map((segment) => (
            <MenuItem key={segment.id} icon={props.active?.id === segment.id ? <Check /> : <span />} onSelect={() => props.onPick(segment)}>
              <span className="truncate">{segment.name}</span>
            </MenuItem>
          ))}
          {props.active ? (
            <MenuItem icon={<span />} onSelect={() => props.onPick(null)}>
              {t('segments.clear')}
            </MenuItem>
          ) : null}
          {canManage ? (
            <>
              <MenuSeparator />
              <MenuItem icon={<BookmarkPlus />} disabled={!hasFilter && !props.active} onSelect={() => setSaving(true)}>
                {t('segments.saveCurrent')}
              </MenuItem>
              {props.active ? (
                <>
                  <MenuItem icon={<Save />} disabled={!hasFilter} onSelect={() => void updateActive()}>
                    {t('segments.update', { name: props.active.name })}
                  </MenuItem>
                  <MenuItem icon={<Trash2 />} tone="danger" onSelect={() => setDeleting(true)}>
                    {t('segments.delete', { name: props.active.name })}
                  </MenuItem>
                </>
              ) : null}
            </>
          ) : null}
        </MenuContent>
      </Menu>
      <SaveSegmentDialog
        open={saving}
        onOpenChange={setSaving}
        filter={{ ...(props.active?.filter ?? {}), ...props.currentFilter }}
        onSaved={(segment) => {
          toast.success(t('segments.savedToast', { name: segment.name }));
          void refresh();
          props.onPick(segment);
        }}
      />
      <ConfirmDialog
        open={deleting}
        onOpenChange={setDeleting}
        title={t('segments.deleteTitle', { name: props.active?.name ?? '' })}
        description={t('segments.deleteBody')}
        confirmLabel={t('segments.deleteConfirm')}
        onConfirm={async () => {
          if (!props.active) return;
          try {
            await contactsApi.removeSegment(props.active.id);
            toast.success(t('segments.deletedToast'));
            props.onPick(null);
            await refresh();
          } catch (error) {
            toast.error(errorText(error, t));
            throw error;
          }
        }}
      />
    </>
  );
}

function SaveSegmentDialog(props: { open: boolean; onOpenChange: (open: boolean) => void; filter: ContactFilter; onSaved: (segment: Segment) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const form = useFormErrors();
  useEffect(() => {
    if (props.open) {
      setName('');
      form.clear();
    }
  }, [props.open]);
  const submit = async () => {
    if (!name.trim()) return form.setFields({ name: t('validation.required') });
    setBusy(true);
    try {
      props.onSaved(await contactsApi.createSegment({ name: name.trim(), filter: props.filter }));
      props.onOpenChange(false);
    } catch (error) {
      form.setAll(toFormErrors(error, t));
    } finally {
      setBusy(false);
    }
  };
  return (
    <FormDialog
      open={props.open}
      onOpenChange={props.onOpenChange}
      title={t('segments.saveTitle')}
      description={t('segments.saveBody')}
      onSubmit={() => void submit()}
      busy={busy}
      submitLabel={t('segments.save')}
      error={form.errors.message}
    >
      <Field label={t('segments.name')} error={form.field('name')}>
        {(p) => <Input {...p} autoFocus value={name} onChange={(e) => setName(e.target.value)} placeholder={t('segments.namePlaceholder')} />}
      </Field>
    </FormDialog>
  );
}
