import { clsx } from 'clsx';
import { FileText, Film, Music, Paperclip, UploadCloud, X } from 'lucide-react';
import { useId, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Button } from '../../ui/Button';
import { Spinner } from '../../ui/Spinner';
import { FILE_ACCEPT, formatBytes, type Attachment } from './files.api';

/** Drag-and-drop handlers for any element: one file, handed to `onFile`; `over` while one hovers. */
export function useFileDrop(onFile: (file: File) => void, options: { disabled?: boolean; onMany?: () => void } = {}) {
  const [over, setOver] = useState(false);
  const depth = useRef(0);
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');
  const handlers = {
    onDragEnter: (e: DragEvent) => {
      if (options.disabled || !hasFiles(e)) return;
      e.preventDefault();
      depth.current++;
      setOver(true);
    },
    onDragOver: (e: DragEvent) => {
      if (options.disabled || !hasFiles(e)) return;
      e.preventDefault();
      e.dataTransfer.dropEffect = 'copy';
    },
    onDragLeave: () => {
      depth.current = Math.max(0, depth.current - 1);
      if (depth.current === 0) setOver(false);
    },
    onDrop: (e: DragEvent) => {
      if (options.disabled || !hasFiles(e)) return;
      e.preventDefault();
      depth.current = 0;
      setOver(false);
      const files = Array.from(e.dataTransfer.files);
      if (files.length > 1) options.onMany?.();
      if (files[0]) onFile(files[0]);
    },
  };
  return { over, handlers };
}

/** A hidden file input and the control that opens it. */
function FilePicker({ onFile, children, inputLabel }: { onFile: (file: File) => void; inputLabel: string; children: (open: () => void) => ReactNode }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <input
        ref={input}
        type="file"
        accept={FILE_ACCEPT}
        className="sr-only"
        tabIndex={-1}
        aria-label={inputLabel}
        data-testid="file-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (file) onFile(file);
        }}
      />
      {children(() => input.current?.click())}
    </>
  );
}

/** A dashed area to drop a file on or pick one (the template editor's media). */
export function FileDropZone({ onFile, uploading, hint }: { onFile: (file: File) => void; uploading: string | null; hint?: string }) {
  const { t } = useTranslation();
  const hintId = useId();
  const { over, handlers } = useFileDrop(onFile, { disabled: Boolean(uploading) });
  return (
    <div
      {...handlers}
      data-testid="file-drop"
      className={clsx('flex flex-col items-center gap-2 rounded-lg border-2 border-dashed px-4 py-5 text-center transition-colors', over ? 'border-primary bg-primary-soft' : 'border-border')}
    >
      {uploading ? (
        <Spinner label={t('files.uploading', { name: uploading })} />
      ) : (
        <>
          <UploadCloud className="size-6 text-subtle" aria-hidden />
          <FilePicker onFile={onFile} inputLabel={t('files.attach')}>
            {(open) => (
              <Button type="button" variant="secondary" size="sm" icon={<Paperclip className="size-4" aria-hidden />} onClick={open} aria-describedby={hintId}>
                {over ? t('files.dropActive') : t('files.dropHere')}
              </Button>
            )}
          </FilePicker>
          <p id={hintId} className="text-xs text-muted">
            {hint ?? t('files.limits')}
          </p>
        </>
      )}
    </div>
  );
}

/** The paperclip of a composer. */
export function AttachButton({ onFile, disabled }: { onFile: (file: File) => void; disabled?: boolean }) {
  const { t } = useTranslation();
  return (
    <FilePicker onFile={onFile} inputLabel={t('files.attach')}>
      {(open) => (
        <Button type="button" variant="ghost" size="icon" onClick={open} disabled={disabled} aria-label={t('files.attach')} title={t('files.limits')}>
          <Paperclip className="size-5" aria-hidden />
        </Button>
      )}
    </FilePicker>
  );
}

const iconOf = (contentType: string | null) => {
  const family = contentType?.split('/')[0];
  if (family === 'video') return Film;
  if (family === 'audio') return Music;
  return FileText;
};

/** An attached file: a thumbnail for an image, else its icon; name, size, and remove/replace. */
export function AttachmentCard({ file, onRemove, onReplace, compact }: { file: Attachment; onRemove?: () => void; onReplace?: (file: File) => void; compact?: boolean }) {
  const { t, i18n } = useTranslation();
  const isImage = file.contentType?.startsWith('image/');
  const Icon = iconOf(file.contentType);
  return (
    <div className={clsx('flex items-center gap-3 rounded-lg border border-border bg-surface p-2', compact && 'py-1.5')} data-testid="attachment">
      {isImage ? (
        <a href={file.url} target="_blank" rel="noreferrer" className="focus-ring shrink-0 overflow-hidden rounded-md" aria-label={t('files.open', { name: file.name })}>
          <img src={file.url} alt="" className={clsx('object-cover', compact ? 'size-10' : 'size-16')} />
        </a>
      ) : (
        <span className={clsx('grid shrink-0 place-items-center rounded-md bg-hover text-muted', compact ? 'size-10' : 'size-16')}>
          <Icon className="size-5" aria-hidden />
        </span>
      )}
      <div className="min-w-0 flex-1">
        <p className="truncate text-sm font-medium" data-testid="attachment-name">
          {file.name}
        </p>
        <p className="text-xs text-muted">
          {file.size !== null ? formatBytes(file.size, i18n.language) : null}
          {file.size !== null && file.contentType ? ' · ' : null}
          {file.contentType}
        </p>
      </div>
      {onReplace ? (
        <FilePicker onFile={onReplace} inputLabel={t('files.replace')}>
          {(open) => (
            <Button type="button" variant="ghost" size="sm" onClick={open}>
              {t('files.replace')}
            </Button>
          )}
        </FilePicker>
      ) : null}
      {onRemove ? (
        <Button type="button" variant="ghost" size="icon" onClick={onRemove} aria-label={t('files.remove', { name: file.name })}>
          <X className="size-4" aria-hidden />
        </Button>
      ) : null}
    </div>
  );
}
