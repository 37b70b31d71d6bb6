import { clsx } from 'clsx';
import { CheckCircle2, X, XCircle } from 'lucide-react';
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../../lib/format';
import { Button } from '../../ui/Button';
import { ErrorAlert } from '../../ui/ErrorAlert';
import { Progress } from '../../ui/Progress';
import { Spinner } from '../../ui/Spinner';
import { isTaskFinished, taskFraction, useTask, type Task } from './tasks.api';

/**
 * One background task's progress: label, bar, counts, and the outcome once finished. `onFinished`
 * runs once when the task ends (e.g. to reload the list it changed).
 */
export function TaskProgress(props: { taskId: string; label: string; onFinished?: (task: Task) => void; onDismiss?: () => void; className?: string }) {
  const { t } = useTranslation();
  const fmt = useFormat();
  const task = useTask(props.taskId);
  const data = task.data;
  const finished = isTaskFinished(data);
  const reported = useRef(false);
  const onFinished = useRef(props.onFinished);
  onFinished.current = props.onFinished;
  useEffect(() => {
    if (data && finished && !reported.current) {
      reported.current = true;
      onFinished.current?.(data);
    }
  }, [data, finished]);

  const failed = data?.status === 'failed' || data?.status === 'cancelled';
  const fraction = taskFraction(data);
  return (
    <div className={clsx('rounded-lg border border-border bg-surface p-3', props.className)} data-testid="task-progress" data-status={data?.status ?? 'loading'}>
      <div className="mb-2 flex items-center gap-2">
        {finished ? (
          failed ? (
            <XCircle className="size-4 shrink-0 text-danger" aria-hidden />
          ) : (
            <CheckCircle2 className="size-4 shrink-0 text-success" aria-hidden />
          )
        ) : (
          <Spinner className="text-muted" />
        )}
        <p className="min-w-0 flex-1 truncate text-sm font-medium">{props.label}</p>
        <span className="text-xs whitespace-nowrap text-muted" aria-live="polite">
          {data ? t(`tasks.status.${data.status}`) : t('common.loading')}
        </span>
        {props.onDismiss && (finished || task.isError) ? (
          <Button variant="ghost" size="icon" className="size-7" aria-label={t('tasks.dismiss')} onClick={props.onDismiss}>
            <X className="size-4" aria-hidden />
          </Button>
        ) : null}
      </div>
      {task.isError ? (
        <ErrorAlert error={task.error} />
      ) : (
        <>
          <Progress value={fraction} label={props.label} tone={failed ? 'danger' : finished ? 'success' : 'primary'} />
          <p className="mt-1.5 text-xs text-muted">
            {data?.progressTotal
              ? t('tasks.count', { done: fmt.number(data.progressDone), total: fmt.number(data.progressTotal) })
              : data && !finished
                ? t('tasks.starting')
                : null}
            {data?.message ? <span className="ml-2">{data.message}</span> : null}
          </p>
          {data?.error ? <p className="mt-1 text-xs text-danger">{data.error}</p> : null}
        </>
      )}
    </div>
  );
}
